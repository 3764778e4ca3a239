-- Apps and their OAuth installs (PostgreSQL variant of sqlite/0010): client secrets as keyed
-- hashes, signing secrets encrypted, tokens and codes by keyed hashes. Ids use the "C"
-- collation, as in 0001.
CREATE TABLE apps (
    id TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    client_id TEXT COLLATE "C" NOT NULL UNIQUE,
    client_secret_hash TEXT NOT NULL,
    signing_secret_box TEXT NOT NULL,
    redirect_urls TEXT NOT NULL,
    scopes TEXT NOT NULL,
    user_scopes TEXT NOT NULL,
    bot_user TEXT COLLATE "C" NOT NULL,
    token_rotation INTEGER NOT NULL,
    distributed INTEGER NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX apps_team ON apps (team_id);
CREATE TABLE app_installations (
    app_id TEXT COLLATE "C" NOT NULL,
    team_id TEXT COLLATE "C" NOT NULL,
    installer TEXT COLLATE "C" NOT NULL,
    bot_user_id TEXT COLLATE "C" NOT NULL,
    bot_id TEXT COLLATE "C" NOT NULL,
    scopes TEXT NOT NULL,
    user_scopes TEXT NOT NULL,
    installed BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (app_id, team_id)
);
CREATE INDEX app_installations_team ON app_installations (team_id);
CREATE TABLE app_tokens (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    app_id TEXT COLLATE "C" NOT NULL,
    team_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    kind TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX app_tokens_install ON app_tokens (app_id, team_id);
CREATE TABLE oauth_codes (
    code_hash TEXT COLLATE "C" PRIMARY KEY,
    app_id TEXT COLLATE "C" NOT NULL,
    team_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    flow TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    user_scopes TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    used INTEGER NOT NULL
);
