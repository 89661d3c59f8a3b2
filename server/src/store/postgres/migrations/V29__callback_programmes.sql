-- Frozen: released in schema version 29. Never edit; add a new version instead.
-- The call-back programme and the questionnaire's answers, as in SQLite's V29.

CREATE TABLE callback_programmes (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    title TEXT NOT NULL,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    data TEXT NOT NULL CHECK (data::jsonb IS NOT NULL),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX callback_programmes_by_office ON callback_programmes (office, starts, id);

ALTER TABLE callbacks ADD COLUMN programme_id TEXT REFERENCES callback_programmes (id);
ALTER TABLE callbacks ADD COLUMN score_reliability BIGINT
    CHECK (score_reliability BETWEEN 1 AND 5);
ALTER TABLE callbacks ADD COLUMN score_tangibles BIGINT
    CHECK (score_tangibles BETWEEN 1 AND 5);
ALTER TABLE callbacks ADD COLUMN score_responsiveness BIGINT
    CHECK (score_responsiveness BETWEEN 1 AND 5);
ALTER TABLE callbacks ADD COLUMN score_empathy BIGINT
    CHECK (score_empathy BETWEEN 1 AND 5);
ALTER TABLE callbacks ADD COLUMN score_professionalism BIGINT
    CHECK (score_professionalism BETWEEN 1 AND 5);
ALTER TABLE callbacks ADD COLUMN answers TEXT NOT NULL DEFAULT '[]'
    CHECK (answers::jsonb IS NOT NULL);
CREATE INDEX callbacks_by_programme ON callbacks (programme_id, planned_at);
