-- The initial schema (PostgreSQL variant of sqlite/0001). Lists and objects are JSON text;
-- flags are 0/1 integers, as in SQLite, so both dialects share one row mapping (rows.py).
-- Ids, names and ts use the "C" collation: byte order, as SQLite compares text, so keyset
-- pagination and ts ranges behave the same whatever the database's default collation.
CREATE TABLE teams (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    domain TEXT NOT NULL,
    enterprise_id TEXT,
    enterprise_name TEXT,
    state TEXT NOT NULL DEFAULT 'active',
    ekm_revoked INTEGER NOT NULL DEFAULT 0,
    require_2fa INTEGER NOT NULL DEFAULT 0,
    allowed_networks TEXT NOT NULL DEFAULT '[]',
    rtm_denied TEXT NOT NULL DEFAULT '[]',
    email_domain TEXT NOT NULL DEFAULT '',
    created BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    name TEXT NOT NULL,
    real_name TEXT NOT NULL DEFAULT '',
    is_admin INTEGER NOT NULL DEFAULT 0,
    is_owner INTEGER NOT NULL DEFAULT 0,
    is_bot INTEGER NOT NULL DEFAULT 0,
    bot_id TEXT,
    has_2fa INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    tz TEXT NOT NULL DEFAULT '',
    profile TEXT NOT NULL DEFAULT '{}',
    manual_away INTEGER NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX users_team ON users (team_id, id);
CREATE TABLE bots (
    id TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE conversations (
    id TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    name TEXT COLLATE "C" NOT NULL,
    is_private INTEGER NOT NULL DEFAULT 0,
    is_im INTEGER NOT NULL DEFAULT 0,
    is_mpim INTEGER NOT NULL DEFAULT 0,
    is_general INTEGER NOT NULL DEFAULT 0,
    is_archived INTEGER NOT NULL DEFAULT 0,
    creator TEXT NOT NULL DEFAULT '',
    created BIGINT NOT NULL DEFAULT 0,
    topic TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    im_user TEXT,
    last_ts TEXT COLLATE "C"
);
CREATE INDEX conversations_team ON conversations (team_id, id);
CREATE TABLE members (
    conversation_id TEXT COLLATE "C" NOT NULL REFERENCES conversations(id),
    user_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_user ON members (user_id);
CREATE TABLE tokens (
    hash TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    user_id TEXT NOT NULL,
    type TEXT NOT NULL,
    scopes TEXT NOT NULL DEFAULT '[]',
    revoked INTEGER NOT NULL DEFAULT 0,
    expires_at DOUBLE PRECISION,
    allowed_networks TEXT NOT NULL DEFAULT '[]',
    created_after_2021_11_30 INTEGER NOT NULL DEFAULT 0,
    created BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tokens_team ON tokens (team_id);
CREATE TABLE messages (
    conversation_id TEXT COLLATE "C" NOT NULL REFERENCES conversations(id),
    ts TEXT COLLATE "C" NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    bot_id TEXT,
    text TEXT NOT NULL,
    subtype TEXT,
    thread_ts TEXT COLLATE "C",
    edited TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (conversation_id, ts)
);
