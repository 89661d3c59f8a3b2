-- Frozen: released in schema version 13. Never edit; add a new version instead.
-- The office's registers for vehicles and supplies (S3), as in SQLite's V13.

CREATE TABLE office_registers (
    office TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('fleet', 'catalogue')),
    data TEXT NOT NULL CHECK (data::jsonb IS NOT NULL),
    PRIMARY KEY (office, kind)
);
