-- Whether the bot is still in each chat. A private chat that blocked the bot, or a group that removed it, is
-- sent nothing more until it lets the bot back in; /usage shows it. Every chat known so far is one the bot
-- was in, which is what the default says.
ALTER TABLE chats ADD COLUMN presence TEXT NOT NULL DEFAULT 'present';   -- present | blocked | removed
ALTER TABLE chats ADD COLUMN presence_changed_at TEXT;
