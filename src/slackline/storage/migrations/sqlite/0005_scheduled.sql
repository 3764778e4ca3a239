-- Messages scheduled for later (chat.scheduleMessage; storage/scheduled.py). One row per
-- pending message, deleted when it is posted (the deletion is the claim: DELETE ...
-- RETURNING gives each row to one process) or when chat.deleteScheduledMessage removes it.
-- ``message`` is the draft as JSON (text aside): bot_id, subtype, thread_ts, extra keys,
-- whether to broadcast the reply and whether the token could post in public channels.
CREATE TABLE scheduled_messages (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    post_at INTEGER NOT NULL,
    date_created INTEGER NOT NULL,
    text TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX scheduled_messages_due ON scheduled_messages (post_at, id);
CREATE INDEX scheduled_messages_author ON scheduled_messages (team_id, user_id, post_at, id);
CREATE INDEX scheduled_messages_channel ON scheduled_messages (channel_id, post_at);
