-- Telegram sends `edited_message` for things that change no text at all (the first reaction to a message,
-- among other client actions): only a digest (SHA-256) of what each message said is kept, so a real change
-- of its text or caption can be told from those, and whether an edit of it was answered, so it is answered
-- once. The text itself is not kept: the inbox forgets what people sent once it is handled.
CREATE TABLE message_contents (
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    digest        TEXT NOT NULL,       -- SHA-256 of the text or caption ('' for none)
    edit_answered INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (chat_id, message_id)
);
