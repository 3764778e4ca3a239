-- Sign-in (docs/web-client.md): a person's password as its argon2id hash (the encoded
-- string, salt and parameters included), and the web sessions, each known only by the
-- keyed hash of its cookie secret and bound to the keyed hash of its xoxc- client token.
CREATE TABLE user_passwords (
    user_id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    updated INTEGER NOT NULL
);
CREATE TABLE web_sessions (
    cookie_hash TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
