-- Frozen: released in schema version 15. Never edit; add a new version instead.
-- R-MONTH 抽查回訪: a month's sample is drawn once. Drawing it again is a redraw: it names
-- its reason and the sample it replaces, and the replaced sample's call-backs not made
-- yet are cancelled (status 'cancelled'), so a month never has two queues.

ALTER TABLE samples ADD COLUMN replaces TEXT REFERENCES samples (id);
ALTER TABLE samples ADD COLUMN reason TEXT;
CREATE INDEX samples_by_month ON samples (office, month, created_at);

ALTER TABLE callbacks DROP CONSTRAINT callbacks_status_check;
ALTER TABLE callbacks ADD CONSTRAINT callbacks_status_check
    CHECK (status IN ('planned', 'done', 'failed', 'cancelled'));
CREATE INDEX callbacks_by_sample ON callbacks (sample_id);
