-- Each topic of a forum supergroup is a project of its own (a team makes one video per topic).
--
-- A project is keyed by one integer, as every chat always was: a chat's own project (a private chat, a
-- group, a forum's General topic) by the chat id itself, so every row kept before topics means what it
-- meant; a topic's project by a number above every Telegram id (Telegram's ids have at most 52 significant
-- bits), given out here once per (chat, topic). Every table keyed by a chat id (chats, uploads, turns,
-- renders, local_timelines) keys a topic's project by that number, unchanged.
CREATE TABLE topics (
    project_id INTEGER PRIMARY KEY,            -- 2^53 + n: never a Telegram chat id
    chat_id    INTEGER NOT NULL,               -- the forum supergroup
    topic_id   INTEGER NOT NULL,               -- Telegram's message_thread_id of the topic
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (chat_id, topic_id)
);
