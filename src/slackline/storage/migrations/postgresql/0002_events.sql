-- Reactions, threads and channel names: what edits, reactions and channel management need.
-- A reaction is one user's emoji on one message; ``seq`` keeps the order they were added in.
CREATE TABLE reactions (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id TEXT COLLATE "C" NOT NULL,
    ts TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    UNIQUE (conversation_id, ts, name, user_id)
);
CREATE INDEX messages_thread ON messages (conversation_id, thread_ts, ts);
CREATE INDEX conversations_name ON conversations (team_id, name);
