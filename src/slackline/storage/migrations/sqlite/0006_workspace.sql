-- The workspace area: pins, stars, custom emoji, user groups, preferences and do-not-disturb,
-- and the team's profile fields. Lists and objects are JSON text; ``seq`` keeps the order
-- rows were added in (the newest first in pins.list and stars.list).
CREATE TABLE pins (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    ts TEXT NOT NULL,
    team_id TEXT NOT NULL,
    pinned_by TEXT NOT NULL,
    created INTEGER NOT NULL DEFAULT 0,
    UNIQUE (conversation_id, ts)
);
CREATE TABLE stars (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    ts TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, conversation_id, ts)
);
CREATE INDEX stars_user ON stars (user_id, seq);
CREATE INDEX reactions_user ON reactions (user_id, seq);
CREATE TABLE emoji (
    team_id TEXT NOT NULL REFERENCES teams(id),
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    user_id TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, name)
);
CREATE TABLE usergroups (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams(id),
    name TEXT NOT NULL,
    handle TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    channels TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    deleted_by TEXT,
    date_create INTEGER NOT NULL DEFAULT 0,
    date_update INTEGER NOT NULL DEFAULT 0,
    date_delete INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX usergroups_team ON usergroups (team_id, name);
CREATE TABLE usergroup_users (
    usergroup_id TEXT NOT NULL REFERENCES usergroups(id),
    user_id TEXT NOT NULL,
    PRIMARY KEY (usergroup_id, user_id)
);
CREATE TABLE prefs (
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    team_id TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
);
CREATE TABLE dnd (
    user_id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    snooze_endtime INTEGER NOT NULL DEFAULT 0,
    dnd_ended_until INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE team_profile_fields (
    team_id TEXT NOT NULL REFERENCES teams(id),
    id TEXT NOT NULL,
    ordering INTEGER NOT NULL DEFAULT 0,
    label TEXT NOT NULL DEFAULT '',
    hint TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'text',
    possible_values TEXT,
    options TEXT,
    is_hidden INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, id)
);
