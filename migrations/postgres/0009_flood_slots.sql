-- The PostgreSQL twin of migrations/sqlite/0009_flood_slots.sql. UNLOGGED: a pace is only about the next
-- seconds, so it needs no WAL (a claim then waits for no disk flush) and may be lost in a crash; copy-db
-- leaves it behind for the same reason.
CREATE UNLOGGED TABLE flood_slots (
    slot_key    text PRIMARY KEY,
    paced_until double precision NOT NULL
);
