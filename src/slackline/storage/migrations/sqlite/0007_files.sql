-- Files: metadata and where each file was shared (files.*); the bytes are in a blob store.
-- ``state`` is pending, receiving, uploaded, complete or deleted (domain/files.py);
-- ``upload_hash`` is the SHA-256 of a usable one-time upload id; ``extra`` is JSON text.
CREATE TABLE files (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created INTEGER NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    mimetype TEXT NOT NULL,
    filetype TEXT NOT NULL,
    pretty_type TEXT NOT NULL,
    mode TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    upload_hash TEXT UNIQUE,
    extra TEXT NOT NULL DEFAULT '{}',
    updated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX files_team_created ON files (team_id, created, id);
CREATE INDEX files_user ON files (user_id, created);
-- A share is the message (conversation, ts) that carried the file into a conversation.
CREATE TABLE file_shares (
    file_id TEXT NOT NULL REFERENCES files(id),
    conversation_id TEXT NOT NULL,
    ts TEXT NOT NULL,
    user_id TEXT NOT NULL,
    thread_ts TEXT,
    PRIMARY KEY (file_id, conversation_id, ts)
);
CREATE INDEX file_shares_conversation ON file_shares (conversation_id, file_id);
