-- Team access: invite codes, who they let in, and enough about each chat for an admin's /usage.

-- What Telegram calls the chat (group title or the person's name) and its type, for /usage.
ALTER TABLE chats ADD COLUMN title TEXT;
ALTER TABLE chats ADD COLUMN chat_type TEXT;      -- private | group | supergroup | channel

-- Who asked for each render (the Telegram user id), as uploads and turns record their sender.
ALTER TABLE renders ADD COLUMN requested_by INTEGER;

-- One-time invite codes. Only a SHA-256 of the code is kept: the code itself is shown once to the admin.
CREATE TABLE invites (
    code_hash  TEXT PRIMARY KEY,
    created_by INTEGER NOT NULL,       -- the admin's user id
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    expires_at TEXT NOT NULL
);

-- Who got in with which code: a user (code sent in a private chat) or a whole group chat. A code is used up
-- by its one admission row (UNIQUE), so two people racing with one code cannot both get in.
CREATE TABLE admissions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash   TEXT NOT NULL UNIQUE REFERENCES invites(code_hash),
    kind        TEXT NOT NULL CHECK (kind IN ('user', 'chat')),
    subject_id  INTEGER NOT NULL,      -- the user id, or the group's chat id
    admitted_by INTEGER,               -- the user who sent /join (the same as subject_id for a user)
    admitted_at TEXT NOT NULL
);
CREATE INDEX admissions_by_subject ON admissions(kind, subject_id);
