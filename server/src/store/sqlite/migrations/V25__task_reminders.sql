-- Frozen: released in schema version 25. Never edit; add a new version instead.
-- R-VISIT-OWNER's reminders: who chased a task's owner, when and with what note (sync-core
-- `Reminder`s as a JSON array, oldest first; a task stored before has none).

ALTER TABLE owner_tasks ADD COLUMN reminders TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(reminders) AND json_type(reminders) = 'array');
