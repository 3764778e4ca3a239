"""The RTM message server: WebSocket framing, sessions, the fan-out hub and client frames."""
