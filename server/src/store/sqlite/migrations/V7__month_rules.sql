-- R-MONTH: the technician first assigned (credited with the on-time figure) and the
-- manager's small-repair classification; filled by the projection job (version 5). The
-- on-time figure counts appointments that fell in the month, so they are indexed.
ALTER TABLE orders ADD COLUMN first_technician TEXT;
ALTER TABLE orders ADD COLUMN small_override INTEGER;
CREATE INDEX orders_by_appointment ON orders (office, appointment);
