-- Frozen: released in schema version 27. Never edit; add a new version instead.
-- The QA inspector, the customer-service manager and head office, as in SQLite's V27.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('front_desk',
    'administrator', 'dispatcher', 'technician', 'finance', 'supervisor', 'cs_agent',
    'qa_inspector', 'cs_manager', 'head_office', 'driver', 'fleet_manager', 'leader',
    'logistics_clerk', 'department_head', 'shop', 'admin', 'system'));
