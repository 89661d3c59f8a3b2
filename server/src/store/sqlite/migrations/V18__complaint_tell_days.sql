-- Frozen: released in schema version 18. Never edit; add a new version instead.
-- R-CPL-DECIDE has two deadlines (第十八條): decide within the office's period, and tell
-- the complainant within its own period after the decision. The second is the office's
-- setting beside the first; offices that set a calendar before keep the default, 5.
ALTER TABLE calendars ADD COLUMN tell_days INTEGER NOT NULL DEFAULT 5
    CHECK (tell_days BETWEEN 1 AND 60);
