"""Use-case handlers: `async def handler(ctx) -> list[Reply]`, channel-independent."""
