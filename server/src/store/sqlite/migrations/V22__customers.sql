-- Frozen: released in schema version 22. Never edit; add a new version instead.
-- Customers (S5): the record (sync-core `Customer` as JSON, with the columns lists and
-- matching need), the phones kept for matching (digits only), and each order's,
-- complaint's or contact's link to its customer, with why a doubtful one waits for
-- review. Existing orders and complaints are linked at start by the backfill, which
-- matches unit and phone (server/src/store/customer_link.rs).

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    key_account INTEGER NOT NULL DEFAULT 0 CHECK (key_account IN (0, 1)),
    churned_on TEXT CHECK (churned_on IS NULL OR date(churned_on) IS churned_on),
    created_at INTEGER NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data))
) STRICT;
CREATE INDEX customers_by_unit ON customers (office, unit_key);
CREATE INDEX customers_by_name ON customers (office, name, id);

CREATE TABLE customer_phones (
    customer TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    office TEXT NOT NULL,
    phone_key TEXT NOT NULL CHECK (length(phone_key) >= 3),
    PRIMARY KEY (customer, phone_key)
) STRICT;
CREATE INDEX customer_phones_by_key ON customer_phones (office, phone_key);

CREATE TABLE customer_links (
    item_kind TEXT NOT NULL CHECK (item_kind IN ('order', 'complaint', 'contact')),
    item_id TEXT NOT NULL,
    office TEXT NOT NULL REFERENCES offices (id),
    customer TEXT NOT NULL REFERENCES customers (id),
    review TEXT CHECK (review IS NULL OR review IN ('other_phone', 'other_unit', 'several')),
    candidate TEXT,
    PRIMARY KEY (item_kind, item_id)
) STRICT;
CREATE INDEX customer_links_by_customer ON customer_links (customer, item_kind);
CREATE INDEX customer_links_in_review ON customer_links (office, review);
