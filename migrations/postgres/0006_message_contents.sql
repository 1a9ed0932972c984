-- The PostgreSQL twin of migrations/sqlite/0006_message_contents.sql.
CREATE TABLE message_contents (
    chat_id       bigint NOT NULL,
    message_id    bigint NOT NULL,
    digest        text NOT NULL,
    edit_answered boolean NOT NULL DEFAULT FALSE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, message_id)
);
