-- The PostgreSQL twin of migrations/sqlite/0002_durable_updates.sql.
ALTER TABLE handled_updates ADD COLUMN payload text;
ALTER TABLE turns ADD COLUMN message_id bigint;
ALTER TABLE turns ADD COLUMN draft_before text;
ALTER TABLE uploads ADD COLUMN message_id bigint;
CREATE INDEX turns_by_message ON turns(chat_id, message_id);
CREATE INDEX uploads_by_message ON uploads(chat_id, message_id);
CREATE INDEX renders_by_message ON renders(chat_id, reply_to_message_id);
CREATE INDEX updates_unfinished ON handled_updates(status, update_id);
