-- Frozen: released in schema version 29. Never edit; add a new version instead.
-- The call-back programme (S5 25; R-VISIT-PLAN): a plan with its questionnaire, schedule
-- and ways of calling (sync-core `programme::ProgrammeDraft` as JSON, with the columns the
-- list reads). A call-back may be planned under one, and keeps the customer's scores on
-- the five quality dimensions (S5 8) and the answers to the free questions.

CREATE TABLE callback_programmes (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    title TEXT NOT NULL,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data)),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX callback_programmes_by_office ON callback_programmes (office, starts, id);

ALTER TABLE callbacks ADD COLUMN programme_id TEXT REFERENCES callback_programmes (id);
ALTER TABLE callbacks ADD COLUMN score_reliability INTEGER
    CHECK (score_reliability BETWEEN 1 AND 5);
ALTER TABLE callbacks ADD COLUMN score_tangibles INTEGER
    CHECK (score_tangibles BETWEEN 1 AND 5);
ALTER TABLE callbacks ADD COLUMN score_responsiveness INTEGER
    CHECK (score_responsiveness BETWEEN 1 AND 5);
ALTER TABLE callbacks ADD COLUMN score_empathy INTEGER
    CHECK (score_empathy BETWEEN 1 AND 5);
ALTER TABLE callbacks ADD COLUMN score_professionalism INTEGER
    CHECK (score_professionalism BETWEEN 1 AND 5);
ALTER TABLE callbacks ADD COLUMN answers TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(answers));
CREATE INDEX callbacks_by_programme ON callbacks (programme_id, planned_at);
