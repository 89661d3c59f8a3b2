-- R-PREMISES: compensation the manager approved on an order, and how much of it was
-- credited against the bill (the amount due is the total less that). Filled by the
-- projection job (version 6).
ALTER TABLE orders ADD COLUMN compensation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN credited INTEGER NOT NULL DEFAULT 0;
