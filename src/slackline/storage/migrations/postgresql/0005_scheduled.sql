-- Messages scheduled for later (PostgreSQL variant of sqlite/0005; storage/scheduled.py).
-- One row per pending message, deleted when it is posted (the deletion is the claim:
-- DELETE ... RETURNING, with FOR UPDATE SKIP LOCKED, gives each row to one process) or
-- when chat.deleteScheduledMessage removes it. Ids use the "C" collation, as in 0001.
CREATE TABLE scheduled_messages (
    id TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL,
    channel_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    post_at BIGINT NOT NULL,
    date_created BIGINT NOT NULL,
    text TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX scheduled_messages_due ON scheduled_messages (post_at, id);
CREATE INDEX scheduled_messages_author ON scheduled_messages (team_id, user_id, post_at, id);
CREATE INDEX scheduled_messages_channel ON scheduled_messages (channel_id, post_at);
