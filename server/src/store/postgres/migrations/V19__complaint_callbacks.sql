-- Frozen: released in schema version 19. Never edit; add a new version instead.
-- R-VISIT-CONTENT: a call-back can be about a complaint (投訴處理回訪), not only an order;
-- a call-back, and a task its problem opens (R-VISIT-OWNER), is about exactly one of the
-- two. R-CPL-EVAL reads the complainant's satisfaction from it.

ALTER TABLE callbacks ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE callbacks ADD COLUMN complaint_id TEXT REFERENCES complaints (id);
ALTER TABLE callbacks ADD CONSTRAINT callbacks_about
    CHECK ((order_id IS NULL) <> (complaint_id IS NULL));
CREATE INDEX callbacks_by_complaint ON callbacks (complaint_id);

ALTER TABLE owner_tasks ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE owner_tasks ADD COLUMN complaint_id TEXT REFERENCES complaints (id);
ALTER TABLE owner_tasks ADD CONSTRAINT owner_tasks_about
    CHECK ((order_id IS NULL) <> (complaint_id IS NULL));
