"""Messenger channels: the only code that knows Telegram, WeCom or the terminal."""
