-- Frozen: released in schema version 16. Never edit; add a new version instead.
-- The web console's sessions: the browser holds a random secret in an HttpOnly,
-- SameSite=Strict cookie; here is only its SHA-256, so a copy of the database signs in
-- nobody. Signing out revokes the row; the user's token version (deactivation, "sign out
-- everywhere") ends every session made before it changed.

CREATE TABLE console_sessions (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_version INTEGER NOT NULL CHECK (token_version >= 0),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
    revoked_at INTEGER
) STRICT;
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);
