-- Frozen: released in schema version 26. Never edit; add a new version instead.
-- R-CPL-REPORT's filing, one more register, as in SQLite's V26.

ALTER TABLE office_registers DROP CONSTRAINT office_registers_kind_check;
ALTER TABLE office_registers ADD CONSTRAINT office_registers_kind_check
    CHECK (kind IN ('fleet', 'catalogue', 'complaint_contacts', 'contact_channels',
        'complaint_filing'));
