-- One row per Telegram chat (a private chat or a whole group: a group shares one session).
CREATE TABLE chats (
    chat_id          INTEGER PRIMARY KEY,
    client_id        TEXT,             -- X-Client-Id sent to the cloud, kept so a renewed token keeps the account
    token            TEXT,             -- anonymous cloud token (never logged, never shown)
    token_expires_at TEXT,
    nemo_user_id     TEXT,             -- "anon_…" for anonymous users
    session_id       TEXT,
    task_id          TEXT,
    language         TEXT NOT NULL DEFAULT '',
    engine           TEXT,             -- per-chat engine override; NULL means VIDEO_ENGINE
    draft            TEXT,             -- last known cloud draft (JSON), the base for "what changed"
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Everything a chat sent, kept on disk so nothing is lost when an engine refuses or is down.
CREATE TABLE uploads (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id        INTEGER NOT NULL REFERENCES chats(chat_id),
    file_unique_id TEXT,
    kind           TEXT NOT NULL,      -- photo | video | audio
    filename       TEXT NOT NULL,
    size           INTEGER NOT NULL DEFAULT 0,
    local_path     TEXT,
    engine         TEXT,
    engine_ref     TEXT,
    status         TEXT NOT NULL DEFAULT 'saved',   -- saved | uploaded | failed
    error          TEXT,
    sender_id      INTEGER,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX uploads_by_chat ON uploads(chat_id, id);

-- Every render job: the job id is the only handle on a cloud render, so it is written before polling starts.
CREATE TABLE renders (
    id                  TEXT PRIMARY KEY,
    chat_id             INTEGER NOT NULL REFERENCES chats(chat_id),
    engine              TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'pending', -- pending | processing | completed | failed | cancelled
    progress            INTEGER NOT NULL DEFAULT 0,
    url                 TEXT,
    attempt             INTEGER NOT NULL DEFAULT 1,
    reply_to_message_id INTEGER,
    progress_message_id INTEGER,
    delivered           INTEGER NOT NULL DEFAULT 0,
    error               TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX renders_open ON renders(delivered, status);

-- Each instruction sent to an engine and how it ended.
CREATE TABLE turns (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL REFERENCES chats(chat_id),
    engine      TEXT NOT NULL,
    text        TEXT NOT NULL,
    sender_id   INTEGER,
    replies     TEXT NOT NULL DEFAULT '',
    tools       TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL DEFAULT 'running', -- running | ok | silent | broken | failed
    started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at TEXT
);

-- Telegram re-delivers unconfirmed updates after a crash; a recorded id is recognised, not acted on twice.
CREATE TABLE handled_updates (
    update_id  INTEGER PRIMARY KEY,
    chat_id    INTEGER,
    status     TEXT NOT NULL DEFAULT 'started', -- started | done
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The local engine's timeline per chat (same draft JSON as the cloud's).
CREATE TABLE local_timelines (
    chat_id    INTEGER PRIMARY KEY REFERENCES chats(chat_id),
    draft      TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
