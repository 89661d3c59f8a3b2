-- Frozen: released in schema version 27. Never edit; add a new version instead.
-- The customer-service centre's other roles (issue 16, item 15): the QA inspector
-- (客服質檢崗, R-CS-QA), the customer-service manager (客服管理崗) and head office
-- (運營管理部, R-CS-HQ). The users table is rebuilt to change its CHECK, as in V21
-- (foreign keys off; the runner checks every reference after the last step).

CREATE TABLE users_new (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('front_desk', 'administrator', 'dispatcher',
        'technician', 'finance', 'supervisor', 'cs_agent', 'qa_inspector', 'cs_manager',
        'head_office', 'driver', 'fleet_manager', 'leader', 'logistics_clerk',
        'department_head', 'shop', 'admin', 'system')),
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
