-- Frozen: released in schema version 15. Never edit; add a new version instead.
-- R-MONTH 抽查回訪: a month's sample is drawn once. Drawing it again is a redraw: it names
-- its reason and the sample it replaces, and the replaced sample's call-backs not made
-- yet are cancelled (status 'cancelled'), so a month never has two queues.

ALTER TABLE samples ADD COLUMN replaces TEXT REFERENCES samples (id);
ALTER TABLE samples ADD COLUMN reason TEXT;
CREATE INDEX samples_by_month ON samples (office, month, created_at);

CREATE TABLE callbacks_new (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
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
    created_at INTEGER NOT NULL
) STRICT;
INSERT INTO callbacks_new SELECT id, office, order_id, method, planned_at, assignee, content,
    status, reached, satisfaction, repair_held, problems, responsible, fallback_method,
    sample_id, recorded_by, recorded_at, created_at
FROM callbacks;
DROP TABLE callbacks;
ALTER TABLE callbacks_new RENAME TO callbacks;
CREATE INDEX callbacks_by_office ON callbacks (office, status, recorded_at);
CREATE INDEX callbacks_by_order ON callbacks (order_id);
CREATE INDEX callbacks_by_sample ON callbacks (sample_id);
