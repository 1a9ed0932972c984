-- Telegram's flood limits kept where every process sending through the bot's token sees them: one row per
-- pace ('overall', 'chat:<id>') holding the moment its pace is used up to, as GCRA keeps it ("the next free
-- slot"). Seconds since the epoch as a number, not a time text: a slot is claimed with arithmetic on it in
-- one statement, and a message a second needs more than the millisecond text times have.
CREATE TABLE flood_slots (
    slot_key    TEXT PRIMARY KEY,
    paced_until REAL NOT NULL
);
