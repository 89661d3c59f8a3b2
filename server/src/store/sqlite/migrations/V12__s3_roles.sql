-- Frozen: released in schema version 12. Never edit; add a new version instead.
-- The roles of vehicles and office supplies (S3): driver, fleet manager, principal
-- leader, logistics clerk, department head, designated shop. SQLite cannot change a
-- CHECK in place, so the users table is rebuilt (foreign keys off; the runner checks
-- every reference after the last step).

CREATE TABLE users_new (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('front_desk', 'administrator', 'dispatcher',
        'technician', 'finance', 'supervisor', 'driver', 'fleet_manager', 'leader',
        'logistics_clerk', 'department_head', 'shop', 'admin', 'system')),
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
