-- Conversations (area "conversations", docs/web-api-conversations.md): who set a topic or
-- purpose last and when, and each member's read state (storage/read_state.py): the ts read
-- up to (``conversations.mark``) and whether a DM or group DM is open for them
-- (``conversations.open``/``close``). A member without a row has read nothing and is open.
ALTER TABLE conversations ADD COLUMN topic_creator TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN topic_last_set INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN purpose_creator TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN purpose_last_set INTEGER NOT NULL DEFAULT 0;
CREATE TABLE read_state (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    user_id TEXT NOT NULL,
    last_read TEXT NOT NULL DEFAULT '0000000000.000000',
    is_open INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX read_state_user ON read_state (user_id);
