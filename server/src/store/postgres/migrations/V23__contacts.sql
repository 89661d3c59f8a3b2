-- Frozen: released in schema version 23. Never edit; add a new version instead.
-- R-CS-CONTACT (S2 第六–七條): the one front door's log and the office's channels, as in
-- SQLite's V23.

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('enquiry', 'repair_report', 'complaint',
        'whistleblowing', 'suggestion')),
    status TEXT NOT NULL CHECK (status IN ('open', 'order', 'complaint', 'closed')),
    received_at BIGINT NOT NULL,
    data TEXT NOT NULL CHECK (data::jsonb IS NOT NULL)
);
CREATE INDEX contacts_by_time ON contacts (office, received_at);

ALTER TABLE office_registers DROP CONSTRAINT office_registers_kind_check;
ALTER TABLE office_registers ADD CONSTRAINT office_registers_kind_check
    CHECK (kind IN ('fleet', 'catalogue', 'complaint_contacts', 'contact_channels'));

-- Links looked up by their items (a page of the log, the register's orders for the
-- customer pyramid).
CREATE INDEX customer_links_by_item ON customer_links (item_id);
