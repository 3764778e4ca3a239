"""Services: the only callers of storage and the only publishers of events (after commit)."""
