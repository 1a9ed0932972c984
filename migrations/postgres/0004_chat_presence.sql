-- The PostgreSQL twin of migrations/sqlite/0004_chat_presence.sql.
ALTER TABLE chats ADD COLUMN presence text NOT NULL DEFAULT 'present';
ALTER TABLE chats ADD COLUMN presence_changed_at timestamptz;
