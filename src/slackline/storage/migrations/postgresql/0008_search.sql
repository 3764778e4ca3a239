-- Search (area "search", docs/web-api-search-pins-stars.md): a full-text index over messages.text.
-- An expression index (GIN) on the 'simple' configuration (no stemming, no stop words) with
-- ASCII punctuation read as space, so that words are runs of letters, numbers and marks as in
-- SQLite (domain/search.py decides every match; the index only narrows the candidates).
-- The messages table belongs to the messages area: this migration adds only the index, which
-- PostgreSQL keeps itself and which covers the messages stored before it. storage/search.py
-- repeats the expression word for word (PG_DOCUMENT), as the planner needs.
CREATE INDEX messages_search ON messages USING GIN (
    to_tsvector('simple', regexp_replace(text, '[!-/:-@[-`{-~]', ' ', 'g'))
);
