"""Pure domain logic: models, authorization, object shapes, ts values. No I/O here."""
