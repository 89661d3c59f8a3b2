-- Frozen: released in schema version 13. Never edit; add a new version instead.
-- The office's registers for vehicles and supplies (S3): its fleet (vehicles, designated
-- shops and stations) and its supplies catalogue, one JSON document each.

CREATE TABLE office_registers (
    office TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('fleet', 'catalogue')),
    data TEXT NOT NULL CHECK (json_valid(data)),
    PRIMARY KEY (office, kind)
) STRICT;
