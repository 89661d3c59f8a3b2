-- R-MONTH: a closed month, filed: the figures, the paid-service register and the
-- spot-check sample as they stood when a supervisor closed it. Never updated: what arrives
-- later is shown as amendments against this record.
CREATE TABLE month_closes (
    office TEXT NOT NULL REFERENCES offices (id),
    month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    closed_at INTEGER NOT NULL,
    closed_by TEXT NOT NULL,
    stats TEXT NOT NULL CHECK (json_valid(stats)),
    register TEXT NOT NULL CHECK (json_valid(register)),
    sample TEXT,
    PRIMARY KEY (office, month)
) STRICT;
