-- Frozen: released in schema version 12. Never edit; add a new version instead.
-- The roles of vehicles and office supplies (S3), as in SQLite's V12.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('front_desk',
    'administrator', 'dispatcher', 'technician', 'finance', 'supervisor', 'driver',
    'fleet_manager', 'leader', 'logistics_clerk', 'department_head', 'shop', 'admin',
    'system'));
