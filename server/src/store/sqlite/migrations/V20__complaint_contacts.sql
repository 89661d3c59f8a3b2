-- Frozen: released in schema version 20. Never edit; add a new version instead.
-- R-CPL-CHANNEL (第十一條): the office publishes its complaint contacts (phone, fax, postal
-- address, reception address, e-mail), kept as one more of the office's registers and shown
-- on the customer's copy.

CREATE TABLE office_registers_new (
    office TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('fleet', 'catalogue', 'complaint_contacts')),
    data TEXT NOT NULL CHECK (json_valid(data)),
    PRIMARY KEY (office, kind)
) STRICT;
INSERT INTO office_registers_new (office, kind, data)
SELECT office, kind, data FROM office_registers;
DROP TABLE office_registers;
ALTER TABLE office_registers_new RENAME TO office_registers;
