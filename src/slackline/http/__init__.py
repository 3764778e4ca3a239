"""HTTP: the request model, pure argument parsing, the wire serialiser and the asyncio driver."""
