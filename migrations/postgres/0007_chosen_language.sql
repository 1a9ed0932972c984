-- The PostgreSQL twin of migrations/sqlite/0007_chosen_language.sql.
ALTER TABLE chats ADD COLUMN chosen_language text;
