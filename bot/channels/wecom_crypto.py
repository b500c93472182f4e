"""WeCom callback crypto: SHA-1 signature, AES-256-CBC with the EncodingAESKey, receive-id check."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeCom pads to a multiple of 32 bytes (PKCS#7 with a 32-byte block)
AES_KEY_LENGTH = 43  # characters of the EncodingAESKey


class CryptoError(Exception):
    """A callback that did not come from WeCom, or was damaged: reject it."""


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """msg_signature: SHA-1 of the four strings sorted and joined, in hex."""
    return hashlib.sha1("".join(sorted((token, timestamp, nonce, encrypted))).encode()).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey; ValueError when malformed."""
    if len(encoding_aes_key) != AES_KEY_LENGTH or not encoding_aes_key.isalnum():
        raise ValueError("must be the 43 letters and digits shown in the WeCom admin console")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("not a valid EncodingAESKey") from exc
    return key


class WeComCrypto:
    """Verifies, decrypts and encrypts callback payloads for one app (token, key, corp id)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self.token, self.receive_id = token, receive_id
        self.key = aes_key(encoding_aes_key)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        """Raise CryptoError unless the signature matches (compared in constant time)."""
        expected = signature(self.token, timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected, (msg_signature or "").lower()):
            raise CryptoError("wrong signature")

    def decrypt(self, encrypted: str) -> str:
        """The message inside a ciphertext; CryptoError when damaged or for another corp."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("ciphertext is not base64") from exc
        if not data or len(data) % 16:
            raise CryptoError("ciphertext has a wrong length")
        decryptor = self._cipher().decryptor()
        plain = _unpad(decryptor.update(data) + decryptor.finalize())
        if len(plain) < 20:
            raise CryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        message, receive_id = plain[20:20 + length], plain[20 + length:]
        if len(message) != length:
            raise CryptoError("plaintext length field is wrong")
        if not hmac.compare_digest(receive_id, self.receive_id.encode()):
            raise CryptoError("receive id is not our corp id")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CryptoError("message is not UTF-8") from exc

    def encrypt(self, message: str, random_prefix: bytes | None = None) -> str:
        """The base64 ciphertext of a message (16 random bytes, length, message, receive id)."""
        body = message.encode()
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        plain = _pad(prefix + struct.pack(">I", len(body)) + body + self.receive_id.encode())
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def open(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """Verify, then decrypt."""
        self.verify(msg_signature, timestamp, nonce, encrypted)
        return self.decrypt(encrypted)

    def seal(self, message: str, timestamp: str, nonce: str) -> tuple[str, str]:
        """(ciphertext, msg_signature) for a message, as WeCom sends it."""
        encrypted = self.encrypt(message)
        return encrypted, signature(self.token, timestamp, nonce, encrypted)

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))


def _pad(data: bytes) -> bytes:
    amount = BLOCK - len(data) % BLOCK
    return data + bytes([amount]) * amount


def _unpad(data: bytes) -> bytes:
    amount = data[-1] if data else 0
    if not 1 <= amount <= BLOCK or data[-amount:] != bytes([amount]) * amount:
        raise CryptoError("bad padding")
    return data[:-amount]
