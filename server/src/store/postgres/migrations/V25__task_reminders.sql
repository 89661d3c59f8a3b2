-- Frozen: released in schema version 25. Never edit; add a new version instead.
-- R-VISIT-OWNER's reminders, as in SQLite's V25.

ALTER TABLE owner_tasks ADD COLUMN reminders TEXT NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(reminders::jsonb) = 'array');
