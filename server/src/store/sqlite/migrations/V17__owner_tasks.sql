-- Frozen: released in schema version 17. Never edit; add a new version instead.
-- R-VISIT-OWNER: a problem a call-back found, for the person who must act on it, due by
-- the office's owner_task_days; open until closed with what was done.

CREATE TABLE owner_tasks (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    callback_id TEXT NOT NULL REFERENCES callbacks (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
    owner TEXT NOT NULL REFERENCES users (id),
    problem TEXT NOT NULL CHECK (length(problem) > 0),
    due_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    closed_by TEXT,
    outcome TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX owner_tasks_by_owner ON owner_tasks (office, owner, closed_at);
CREATE INDEX owner_tasks_by_office ON owner_tasks (office, closed_at, due_at);
