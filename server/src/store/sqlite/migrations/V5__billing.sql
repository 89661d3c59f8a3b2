-- R-HANDOVER / R-COLLECT: when the register was signed, the customer signed off, finance
-- issued the receipt and the administrator collected, so the billing queues show each
-- order's age without loading documents. Filled by the projection job (version 3).
ALTER TABLE orders ADD COLUMN handed_over_at INTEGER;
ALTER TABLE orders ADD COLUMN signed_at INTEGER;
ALTER TABLE orders ADD COLUMN receipt_at INTEGER;
ALTER TABLE orders ADD COLUMN collected_at INTEGER;
CREATE INDEX orders_by_billing ON orders (office, paid, signed_at);
