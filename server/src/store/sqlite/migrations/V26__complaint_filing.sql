-- Frozen: released in schema version 26. Never edit; add a new version instead.
-- R-CPL-REPORT (第二十條): what the office files with the regulator about its complaint
-- handling (its rules, evaluation scheme and people responsible) is one more register.

CREATE TABLE office_registers_new (
    office TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('fleet', 'catalogue', 'complaint_contacts',
        'contact_channels', 'complaint_filing')),
    data TEXT NOT NULL CHECK (json_valid(data)),
    PRIMARY KEY (office, kind)
) STRICT;
INSERT INTO office_registers_new (office, kind, data)
SELECT office, kind, data FROM office_registers;
DROP TABLE office_registers;
ALTER TABLE office_registers_new RENAME TO office_registers;
