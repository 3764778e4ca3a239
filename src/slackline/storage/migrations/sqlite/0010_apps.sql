-- Apps and their OAuth installs (docs/apps.md). A client secret is stored as its keyed
-- hash, a signing secret encrypted (it must be recovered to sign requests); tokens, refresh
-- tokens and codes only by their keyed hashes. Lists are JSON arrays of text.
CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    client_secret_hash TEXT NOT NULL,
    signing_secret_box TEXT NOT NULL,
    redirect_urls TEXT NOT NULL,
    scopes TEXT NOT NULL,
    user_scopes TEXT NOT NULL,
    bot_user TEXT NOT NULL,
    token_rotation INTEGER NOT NULL,
    distributed INTEGER NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX apps_team ON apps (team_id);
CREATE TABLE app_installations (
    app_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    installer TEXT NOT NULL,
    bot_user_id TEXT NOT NULL,
    bot_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    user_scopes TEXT NOT NULL,
    installed INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    PRIMARY KEY (app_id, team_id)
);
CREATE INDEX app_installations_team ON app_installations (team_id);
CREATE TABLE app_tokens (
    token_hash TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX app_tokens_install ON app_tokens (app_id, team_id);
CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    flow TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    user_scopes TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL
);
