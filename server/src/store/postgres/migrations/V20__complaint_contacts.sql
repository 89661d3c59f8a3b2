-- Frozen: released in schema version 20. Never edit; add a new version instead.
-- R-CPL-CHANNEL (第十一條): the office publishes its complaint contacts, kept as one more of
-- the office's registers and shown on the customer's copy (as in SQLite's V20).

ALTER TABLE office_registers DROP CONSTRAINT office_registers_kind_check;
ALTER TABLE office_registers ADD CONSTRAINT office_registers_kind_check
    CHECK (kind IN ('fleet', 'catalogue', 'complaint_contacts'));
