-- Frozen: released in schema version 24. Never edit; add a new version instead.
-- S5 16, the PDCA register, as in SQLite's V24.

CREATE TABLE improvements (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    stage TEXT NOT NULL CHECK (stage IN ('plan', 'do', 'check', 'closed')),
    cycle INTEGER NOT NULL CHECK (cycle >= 1),
    carried_from TEXT REFERENCES improvements (id),
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL CHECK (data::jsonb IS NOT NULL)
);
-- The register newest first: all of it or the open items by time, one stage by its own
-- index (a stage may be rare: closed items among thousands open).
CREATE INDEX improvements_by_time ON improvements (office, created_at, id COLLATE "C");
CREATE INDEX improvements_by_stage ON improvements (office, stage, created_at, id COLLATE "C");
