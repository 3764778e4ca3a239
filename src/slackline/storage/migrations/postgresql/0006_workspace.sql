-- The workspace area (PostgreSQL variant of sqlite/0006): pins, stars, custom emoji, user
-- groups, preferences and do-not-disturb, and the team's profile fields. Lists and objects
-- are JSON text; ``seq`` keeps the order rows were added in (the newest first in pins.list
-- and stars.list). Ids, names and ts use the "C" collation, as in 0001.
CREATE TABLE pins (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id TEXT COLLATE "C" NOT NULL,
    ts TEXT COLLATE "C" NOT NULL,
    team_id TEXT COLLATE "C" NOT NULL,
    pinned_by TEXT NOT NULL,
    created BIGINT NOT NULL DEFAULT 0,
    UNIQUE (conversation_id, ts)
);
CREATE TABLE stars (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL,
    team_id TEXT COLLATE "C" NOT NULL,
    conversation_id TEXT COLLATE "C" NOT NULL,
    ts TEXT COLLATE "C" NOT NULL DEFAULT '',
    created BIGINT NOT NULL DEFAULT 0,
    UNIQUE (user_id, conversation_id, ts)
);
CREATE INDEX stars_user ON stars (user_id, seq);
CREATE INDEX reactions_user ON reactions (user_id, seq);
CREATE TABLE emoji (
    team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    name TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    created BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, name)
);
CREATE TABLE usergroups (
    id TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    name TEXT COLLATE "C" NOT NULL,
    handle TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    channels TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    deleted_by TEXT,
    date_create BIGINT NOT NULL DEFAULT 0,
    date_update BIGINT NOT NULL DEFAULT 0,
    date_delete BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX usergroups_team ON usergroups (team_id, name);
CREATE TABLE usergroup_users (
    usergroup_id TEXT COLLATE "C" NOT NULL REFERENCES usergroups(id),
    user_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (usergroup_id, user_id)
);
CREATE TABLE prefs (
    user_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    team_id TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
);
CREATE TABLE dnd (
    user_id TEXT COLLATE "C" PRIMARY KEY,
    team_id TEXT COLLATE "C" NOT NULL,
    snooze_endtime BIGINT NOT NULL DEFAULT 0,
    dnd_ended_until BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE team_profile_fields (
    team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    id TEXT COLLATE "C" NOT NULL,
    ordering INTEGER NOT NULL DEFAULT 0,
    label TEXT NOT NULL DEFAULT '',
    hint TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'text',
    possible_values TEXT,
    options TEXT,
    is_hidden INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, id)
);
