-- Each change to a chat's timeline, so /undo and /redo can step through them. Per engine: a chat that moved
-- between engines has a history on each. Rows marked undone are what /redo re-applies; a new change drops them.
CREATE TABLE timeline_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id    INTEGER NOT NULL REFERENCES chats(chat_id),
    engine     TEXT NOT NULL,
    kind       TEXT NOT NULL,             -- instruction | upload
    what       TEXT NOT NULL,             -- the instruction as written, or the file's name
    before     TEXT,                      -- the draft before the change (JSON)
    after      TEXT,                      -- the draft after it (JSON); NULL until known (the cloud: read at undo)
    undone     INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX timeline_history_by_chat ON timeline_history(chat_id, engine, id);

-- Where a chat's current project begins (/new): uploads up to `after_upload` belong to projects it started
-- over from. They stay on disk and in /usage, and are never handed to an engine again.
CREATE TABLE project_starts (
    chat_id      INTEGER PRIMARY KEY REFERENCES chats(chat_id),
    after_upload INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
