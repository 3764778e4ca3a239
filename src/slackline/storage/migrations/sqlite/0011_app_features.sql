-- Socket Mode and the Events API (docs/socket-mode.md, docs/events-api.md): an app's
-- socket_mode flag, event subscriptions and request URL, as one JSON object.
ALTER TABLE apps ADD COLUMN features TEXT NOT NULL DEFAULT '{}';
