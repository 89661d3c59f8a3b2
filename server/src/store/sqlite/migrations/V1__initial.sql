-- Frozen: released in schema version 1. Never edit; add a new version instead.
-- Offices, people, devices, the change log, snapshots, the order projection.
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE offices (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL,
    currency TEXT NOT NULL
) STRICT;
CREATE TABLE users (
    id TEXT PRIMARY KEY, office TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
    specialties TEXT NOT NULL, zone TEXT, token_version INTEGER NOT NULL,
    active INTEGER NOT NULL
) STRICT;
CREATE INDEX users_by_office ON users (office, role);
CREATE TABLE devices (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, deliveries INTEGER NOT NULL DEFAULT 0,
    last_sync INTEGER
) STRICT;
-- The change log: every stored change, in the order it was stored. Devices keep a
-- cursor into it. It also holds the bytes, so an order loads as its snapshot plus
-- the log rows after it.
CREATE TABLE log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL,
    hash BLOB NOT NULL UNIQUE,
    actor BLOB NOT NULL,
    bytes BLOB NOT NULL
) STRICT;
CREATE INDEX log_by_order ON log (order_id, seq);
CREATE TABLE snapshots (
    order_id TEXT PRIMARY KEY, bytes BLOB NOT NULL, through_seq INTEGER NOT NULL
) STRICT;
-- Projection, updated in the same transaction as the changes.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL,
    status TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    unit TEXT NOT NULL,
    phone TEXT NOT NULL,
    description TEXT NOT NULL,
    channel TEXT NOT NULL,
    created_by TEXT NOT NULL,
    logged_at INTEGER NOT NULL,
    received_at INTEGER,
    paid INTEGER,
    appointment INTEGER,
    arrived_at INTEGER,
    arrived_on_time INTEGER,
    completed_at INTEGER,
    materials INTEGER NOT NULL,
    labour INTEGER NOT NULL,
    total INTEGER NOT NULL,
    signature_valid INTEGER,
    receipt TEXT,
    collected INTEGER,
    anomalies INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_by_office ON orders (office, status, logged_at);
CREATE TABLE order_technicians (
    order_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (order_id, user_id)
) STRICT;
CREATE INDEX order_technicians_by_user ON order_technicians (user_id);
-- Which orders a device was sent whole, at which delivery; confirmed when the
-- device's cursor reaches that delivery.
CREATE TABLE device_scope (
    device TEXT NOT NULL, order_id TEXT NOT NULL, delivered INTEGER NOT NULL,
    revoked INTEGER, PRIMARY KEY (device, order_id)
) STRICT;
