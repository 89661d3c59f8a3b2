-- Frozen: released in schema version 28. Never edit; add a new version instead.
-- R-CS-QA: the QA scheme register and the inspections, as in SQLite's V28.

ALTER TABLE office_registers DROP CONSTRAINT office_registers_kind_check;
ALTER TABLE office_registers ADD CONSTRAINT office_registers_kind_check
    CHECK (kind IN ('fleet', 'catalogue', 'complaint_contacts', 'contact_channels',
        'complaint_filing', 'qa_scheme'));

CREATE TABLE qa_inspections (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    subject TEXT NOT NULL CHECK (subject IN ('contact', 'callback')),
    subject_id TEXT NOT NULL,
    agent TEXT NOT NULL REFERENCES users (id),
    inspected_by TEXT NOT NULL REFERENCES users (id),
    inspected_at BIGINT NOT NULL,
    data TEXT NOT NULL CHECK (data::jsonb IS NOT NULL),
    UNIQUE (office, subject, subject_id)
);
CREATE INDEX qa_inspections_by_time ON qa_inspections (office, inspected_at, id);
