-- Files (PostgreSQL variant of sqlite/0007): metadata and where each file was shared; the
-- bytes are in a blob store. Ids and ts use the "C" collation, as in 0001.
CREATE TABLE files (
    id TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    created BIGINT NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    mimetype TEXT NOT NULL,
    filetype TEXT NOT NULL,
    pretty_type TEXT NOT NULL,
    mode TEXT NOT NULL,
    size BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    upload_hash TEXT COLLATE "C" UNIQUE,
    extra TEXT NOT NULL DEFAULT '{}',
    updated BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX files_team_created ON files (team_id, created, id);
CREATE INDEX files_user ON files (user_id, created);
CREATE TABLE file_shares (
    file_id TEXT COLLATE "C" NOT NULL REFERENCES files(id),
    conversation_id TEXT COLLATE "C" NOT NULL,
    ts TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    thread_ts TEXT COLLATE "C",
    PRIMARY KEY (file_id, conversation_id, ts)
);
CREATE INDEX file_shares_conversation ON file_shares (conversation_id, file_id);
