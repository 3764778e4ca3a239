-- Search (area "search", docs/web-api-search-pins-stars.md): a full-text index over messages.text.
-- An external-content FTS5 table (it stores the index, not the text), kept by triggers on
-- the messages table, which belongs to the messages area: this migration adds only the index
-- and its triggers. Words are runs of letters, numbers and marks, lower-cased, accents kept
-- (domain/search.py decides every match; the index only narrows the candidates).
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = "unicode61 remove_diacritics 0 categories 'L* N* M*'"
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.rowid, new.text);
END;
-- Messages stored before this migration.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
