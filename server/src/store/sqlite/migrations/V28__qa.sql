-- Frozen: released in schema version 28. Never edit; add a new version instead.
-- R-CS-QA (S2 第八條): the office's QA scheme is one more register, and each inspection
-- of a contact or a call-back is kept (sync-core `qa::Inspection` as JSON, with the
-- columns the report and the queue read). A piece of work is inspected once.

CREATE TABLE office_registers_new (
    office TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('fleet', 'catalogue', 'complaint_contacts',
        'contact_channels', 'complaint_filing', 'qa_scheme')),
    data TEXT NOT NULL CHECK (json_valid(data)),
    PRIMARY KEY (office, kind)
) STRICT;
INSERT INTO office_registers_new (office, kind, data)
SELECT office, kind, data FROM office_registers;
DROP TABLE office_registers;
ALTER TABLE office_registers_new RENAME TO office_registers;

CREATE TABLE qa_inspections (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    subject TEXT NOT NULL CHECK (subject IN ('contact', 'callback')),
    subject_id TEXT NOT NULL,
    agent TEXT NOT NULL REFERENCES users (id),
    inspected_by TEXT NOT NULL REFERENCES users (id),
    inspected_at INTEGER NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data)),
    UNIQUE (office, subject, subject_id)
) STRICT;
-- The report reads a period's inspections by time.
CREATE INDEX qa_inspections_by_time ON qa_inspections (office, inspected_at, id);
