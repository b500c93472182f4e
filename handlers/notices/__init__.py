"""Notices (通知): compose and send, acknowledge (收到), progress, re-ping, withdraw."""
