"""Channel-independent core: events, replies, the channel protocol, dispatcher and router."""
