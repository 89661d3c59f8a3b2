-- Frozen: released in schema version 23. Never edit; add a new version instead.
-- R-CS-CONTACT (S2 第六–七條): the one front door's log — every contact once, with its kind,
-- channel and time, and what it became (sync-core `Contact` as JSON, with the columns the
-- log's lists need); the office's channels are one more of its registers. A contact's
-- customer is a `customer_links` row of kind 'contact' (schema 22).

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('enquiry', 'repair_report', 'complaint',
        'whistleblowing', 'suggestion')),
    status TEXT NOT NULL CHECK (status IN ('open', 'order', 'complaint', 'closed')),
    received_at INTEGER NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data))
) STRICT;
CREATE INDEX contacts_by_time ON contacts (office, received_at);

CREATE TABLE office_registers_new (
    office TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('fleet', 'catalogue', 'complaint_contacts',
        'contact_channels')),
    data TEXT NOT NULL CHECK (json_valid(data)),
    PRIMARY KEY (office, kind)
) STRICT;
INSERT INTO office_registers_new (office, kind, data)
SELECT office, kind, data FROM office_registers;
DROP TABLE office_registers;
ALTER TABLE office_registers_new RENAME TO office_registers;

-- Links looked up by their items (a page of the log, the register's orders for the
-- customer pyramid).
CREATE INDEX customer_links_by_item ON customer_links (item_id);
