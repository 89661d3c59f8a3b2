-- Frozen: released in schema version 3. Never edit; add a new version instead.
-- Complaints and office calendars.
CREATE TABLE calendars (
    office TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    decision_days INTEGER NOT NULL
) STRICT;
CREATE TABLE calendar_overrides (
    office TEXT NOT NULL,
    day TEXT NOT NULL,
    working INTEGER NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (office, day)
) STRICT;
-- The complaint itself is sync-core's Complaint as JSON; the columns are for
-- finding and listing.
CREATE TABLE complaints (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL,
    received_day TEXT NOT NULL,
    status TEXT NOT NULL,
    complainant TEXT NOT NULL,
    unit TEXT NOT NULL,
    subject TEXT NOT NULL,
    order_id TEXT,
    data TEXT NOT NULL
) STRICT;
CREATE INDEX complaints_by_office ON complaints (office, received_day);
CREATE INDEX complaints_by_person ON complaints (office, complainant, unit);
