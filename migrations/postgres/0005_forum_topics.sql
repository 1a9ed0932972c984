-- The PostgreSQL twin of migrations/sqlite/0005_forum_topics.sql: a topic's project key is 2^53 + n.
CREATE TABLE topics (
    project_id bigint PRIMARY KEY,
    chat_id    bigint NOT NULL,
    topic_id   bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chat_id, topic_id)
);
