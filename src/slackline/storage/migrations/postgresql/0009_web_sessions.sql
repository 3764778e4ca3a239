-- Sign-in (PostgreSQL variant of sqlite/0009): passwords as argon2id hashes, web sessions by
-- the keyed hash of their cookie secret, bound to their xoxc- token's keyed hash. Ids use the
-- "C" collation, as in 0001.
CREATE TABLE user_passwords (
    user_id TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL,
    hash TEXT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE TABLE web_sessions (
    cookie_hash TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    token_hash TEXT COLLATE "C" NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
