"""State several server processes share through Redis: tickets, recent events, rate limits,
identity-cache invalidation and presence. Used only when the broker is ``redis://``."""
