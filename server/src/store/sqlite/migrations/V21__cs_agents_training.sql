-- Frozen: released in schema version 21. Never edit; add a new version instead.
-- The customer-service centre's agent (客服專員), who goes on duty only once trained
-- (R-CS-TRAINING, S2 第八條): the role, and each person's training records. The users
-- table is rebuilt to change its CHECK (foreign keys off; the runner checks every
-- reference after the last step).

CREATE TABLE users_new (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('front_desk', 'administrator', 'dispatcher',
        'technician', 'finance', 'supervisor', 'cs_agent', 'driver', 'fleet_manager',
        'leader', 'logistics_clerk', 'department_head', 'shop', 'admin', 'system')),
    specialties TEXT NOT NULL CHECK (json_valid(specialties)),
    zone TEXT,
    token_version INTEGER NOT NULL CHECK (token_version >= 0),
    active INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;
INSERT INTO users_new SELECT id, office, name, role, specialties, zone, token_version, active
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_by_office ON users (office, role);

CREATE TABLE trainings (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    person TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('pre_duty', 'refresher', 'other')),
    course TEXT NOT NULL CHECK (length(course) > 0),
    completed_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
) STRICT;
CREATE INDEX trainings_by_person ON trainings (office, person, completed_on);
