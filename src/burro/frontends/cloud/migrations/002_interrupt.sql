-- version 2: a user's "interrupt the running turn" (burro cloud attach, POST …/interrupt).
ALTER TABLE attempts ADD COLUMN interrupt_requested INTEGER NOT NULL DEFAULT 0;
