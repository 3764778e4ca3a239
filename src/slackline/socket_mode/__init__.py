"""Socket Mode: apps' WebSocket connections (``apps.connections.open``), the envelopes they
receive and acknowledge, and the routing of workspace events to apps (docs/socket-mode.md,
docs/events-api.md)."""
