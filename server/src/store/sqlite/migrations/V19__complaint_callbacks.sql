-- Frozen: released in schema version 19. Never edit; add a new version instead.
-- R-VISIT-CONTENT: a call-back can be about a complaint (投訴處理回訪), not only an order;
-- a call-back, and a task its problem opens (R-VISIT-OWNER), is about exactly one of the
-- two. R-CPL-EVAL reads the complainant's satisfaction from it.

CREATE TABLE callbacks_new (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    order_id TEXT REFERENCES orders (id),
    complaint_id TEXT REFERENCES complaints (id),
    method TEXT NOT NULL CHECK (method IN ('phone', 'on_site', 'online_survey')),
    planned_at INTEGER NOT NULL,
    assignee TEXT,
    content TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'done', 'failed', 'cancelled')),
    reached INTEGER CHECK (reached IN (0, 1)),
    satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    repair_held TEXT CHECK (repair_held IN ('pass', 'fail')),
    problems TEXT NOT NULL DEFAULT '',
    responsible TEXT,
    fallback_method TEXT CHECK (fallback_method IN ('phone', 'on_site', 'online_survey')),
    sample_id TEXT,
    recorded_by TEXT,
    recorded_at INTEGER,
    created_at INTEGER NOT NULL,
    CHECK ((order_id IS NULL) <> (complaint_id IS NULL))
) STRICT;
INSERT INTO callbacks_new (id, office, order_id, method, planned_at, assignee, content,
    status, reached, satisfaction, repair_held, problems, responsible, fallback_method,
    sample_id, recorded_by, recorded_at, created_at)
SELECT id, office, order_id, method, planned_at, assignee, content,
    status, reached, satisfaction, repair_held, problems, responsible, fallback_method,
    sample_id, recorded_by, recorded_at, created_at
FROM callbacks;
DROP TABLE callbacks;
ALTER TABLE callbacks_new RENAME TO callbacks;
CREATE INDEX callbacks_by_office ON callbacks (office, status, recorded_at);
CREATE INDEX callbacks_by_order ON callbacks (order_id);
CREATE INDEX callbacks_by_sample ON callbacks (sample_id);
CREATE INDEX callbacks_by_complaint ON callbacks (complaint_id);

CREATE TABLE owner_tasks_new (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    callback_id TEXT NOT NULL REFERENCES callbacks (id),
    order_id TEXT REFERENCES orders (id),
    complaint_id TEXT REFERENCES complaints (id),
    owner TEXT NOT NULL REFERENCES users (id),
    problem TEXT NOT NULL CHECK (length(problem) > 0),
    due_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    closed_by TEXT,
    outcome TEXT NOT NULL DEFAULT '',
    CHECK ((order_id IS NULL) <> (complaint_id IS NULL))
) STRICT;
INSERT INTO owner_tasks_new (id, office, callback_id, order_id, owner, problem, due_at,
    created_by, created_at, closed_at, closed_by, outcome)
SELECT id, office, callback_id, order_id, owner, problem, due_at,
    created_by, created_at, closed_at, closed_by, outcome
FROM owner_tasks;
DROP TABLE owner_tasks;
ALTER TABLE owner_tasks_new RENAME TO owner_tasks;
CREATE INDEX owner_tasks_by_owner ON owner_tasks (office, owner, closed_at);
CREATE INDEX owner_tasks_by_office ON owner_tasks (office, closed_at, due_at);
