-- Secrets every instance shares, sealed under the master key like the
-- signing keys: the key that signs console cookies ('console').
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
