"""WeCom callback crypto: the official SDK sample, and wechatpy as an independent implementation."""

from __future__ import annotations

import base64
import re

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.channels.wecom_crypto import CryptoError, WeComCrypto, aes_key, signature

# The sample of WeCom's own Python SDK (weworkapi_python, Sample.py).
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CORP_ID = "ww1436e0e65a779aee"
VERIFY_SIGNATURE = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
VERIFY_TIMESTAMP, VERIFY_NONCE = "1476416373", "47744683"
VERIFY_ECHO = ("fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzE"
               "tpbhnFyq6SVHyA==")
POST_SIGNATURE = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
POST_TIMESTAMP, POST_NONCE = "1476422779", "1597212914"
POST_ENCRYPT = (
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGz"
    "BhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3J"
    "WcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQH"
    "E7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYu"
    "PDGOCI8jmnKiypE+")
POST_XML = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>\n"
            f"<Encrypt><![CDATA[{POST_ENCRYPT}]]></Encrypt>\n"
            "<AgentID><![CDATA[1000002]]></AgentID>\n</xml>")
POST_PLAIN = (f"<xml><ToUserName>{CORP_ID}</ToUserName><FromUserName>ChenJiaShun</FromUserName>"
              "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
              "<MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>")


@pytest.fixture
def ours() -> WeComCrypto:
    """Our implementation with the sample's settings."""
    return WeComCrypto(TOKEN, AES_KEY, CORP_ID)


@pytest.fixture
def theirs() -> WeChatCrypto:
    """wechatpy's implementation with the same settings."""
    return WeChatCrypto(TOKEN, AES_KEY, CORP_ID)


def test_the_documented_signatures_are_what_we_compute():
    assert signature(TOKEN, VERIFY_TIMESTAMP, VERIFY_NONCE, VERIFY_ECHO) == VERIFY_SIGNATURE
    assert signature(TOKEN, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT) == POST_SIGNATURE


def test_the_documented_url_check_decrypts_as_wechatpy_decrypts_it(ours, theirs):
    echo = ours.open(VERIFY_SIGNATURE, VERIFY_TIMESTAMP, VERIFY_NONCE, VERIFY_ECHO)
    assert echo == theirs.check_signature(VERIFY_SIGNATURE, VERIFY_TIMESTAMP, VERIFY_NONCE,
                                          VERIFY_ECHO)
    assert echo.isdigit()  # WeCom's echostr is a random number


def test_the_documented_message_decrypts_to_a_message_for_the_corp(ours, theirs):
    message = ours.open(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)
    assert message == theirs.decrypt_message(POST_XML, POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE)
    assert message == POST_PLAIN


def test_what_we_encrypt_wechatpy_decrypts(ours, theirs):
    message = "<xml><Content><![CDATA[你好，联动 🚧]]></Content></xml>"
    encrypted, signed = ours.seal(message, "1700000000", "nonce42")
    wrapped = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    assert theirs.decrypt_message(wrapped, signed, "1700000000", "nonce42") == message


def test_what_wechatpy_encrypts_we_decrypt(ours, theirs):
    message = "<xml><Content><![CDATA[问题 2026-0017 已销号]]></Content></xml>"
    sealed = theirs.encrypt_message(message, "nonce7", "1700000001")
    encrypted = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", sealed).group(1)
    signed = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]></MsgSignature>", sealed).group(1)
    assert ours.open(signed, "1700000001", "nonce7", encrypted) == message


@pytest.mark.parametrize("length", [0, 11, 12, 13, 43, 44, 300])
def test_padding_goes_to_a_multiple_of_32_and_back(ours, theirs, length):
    message = "x" * length
    encrypted = ours.encrypt(message)
    assert len(base64.b64decode(encrypted)) % 32 == 0
    assert ours.decrypt(encrypted) == message
    assert theirs.decrypt_message(
        f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>",
        signature(TOKEN, "1", "2", encrypted), "1", "2") == message


def test_a_wrong_signature_is_refused(ours):
    with pytest.raises(CryptoError, match="signature"):
        ours.open("0" * 40, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)


def test_another_corp_is_refused():
    other = WeComCrypto(TOKEN, AES_KEY, "ww0000000000000000")
    with pytest.raises(CryptoError, match="receive id"):
        other.open(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)


@pytest.mark.parametrize("ciphertext", ["not base64!", "", "AAAA", "A" * 64])
def test_damaged_ciphertext_is_refused(ours, ciphertext):
    with pytest.raises(CryptoError):
        ours.decrypt(ciphertext)


@pytest.mark.parametrize("key", ["short", AES_KEY + "x", AES_KEY[:-1] + "+"])
def test_a_malformed_encoding_aes_key_is_refused(key):
    with pytest.raises(ValueError):
        aes_key(key)
