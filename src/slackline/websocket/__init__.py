"""RFC 6455 WebSocket for the server side: the sans-I/O protocol in :mod:`.protocol`."""
