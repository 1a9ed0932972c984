-- The language a chat chose with /language (NULL: none chosen, so the sender's Telegram language or the words
-- they write decide). `chats.language` keeps the language the chat was last spoken to in, which is what a
-- message no one prompted (a render finishing after a restart) is said in, and what a cloud session is made with.
ALTER TABLE chats ADD COLUMN chosen_language TEXT;
