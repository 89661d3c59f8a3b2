-- Frozen: released in schema version 21. Never edit; add a new version instead.
-- The customer-service agent and each person's training records (R-CS-TRAINING), as in
-- SQLite's V21.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('front_desk',
    'administrator', 'dispatcher', 'technician', 'finance', 'supervisor', 'cs_agent',
    'driver', 'fleet_manager', 'leader', 'logistics_clerk', 'department_head', 'shop',
    'admin', 'system'));

CREATE TABLE trainings (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    person TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('pre_duty', 'refresher', 'other')),
    course TEXT NOT NULL CHECK (length(course) > 0),
    completed_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX trainings_by_person ON trainings (office, person, completed_on);
