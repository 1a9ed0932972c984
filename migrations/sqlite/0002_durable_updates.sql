-- Telegram forgets an update as soon as the next getUpdates confirms it, which happens before the bot has
-- acted on it: the update itself is kept here from the moment it arrives until it has been handled, so a
-- crash in between loses nothing. Statuses: received | started | done (the payload is cleared when done).
ALTER TABLE handled_updates ADD COLUMN payload TEXT;

-- A message is acted on once, even when its update is handled again after a crash: turns and uploads
-- remember the message they came from (renders already do, as reply_to_message_id).
ALTER TABLE turns ADD COLUMN message_id INTEGER;
ALTER TABLE turns ADD COLUMN draft_before TEXT;   -- the draft before the turn: "what changed" after a crash
ALTER TABLE uploads ADD COLUMN message_id INTEGER;
CREATE INDEX turns_by_message ON turns(chat_id, message_id);
CREATE INDEX uploads_by_message ON uploads(chat_id, message_id);
CREATE INDEX renders_by_message ON renders(chat_id, reply_to_message_id);
CREATE INDEX updates_unfinished ON handled_updates(status, update_id);
