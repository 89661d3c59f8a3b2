-- Frozen: released in schema version 11. Never edit; add a new version instead.
-- A technician's scope includes the orders they created: found by creator, not by a
-- scan of the office's orders on every catch-up.
CREATE INDEX orders_by_creator ON orders (created_by, office);
