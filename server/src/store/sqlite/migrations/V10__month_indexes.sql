-- R-MONTH: the handover figure and its waits read the orders logged in a month; without a
-- range index on the logging time they scanned every order of the office.
CREATE INDEX orders_by_logged ON orders (office, logged_at);
