-- The keys that sign seat codes. The secret is sealed (ChaCha20-Poly1305)
-- under the master key, a 0600 file beside the data (or mounted from a
-- deployment secret): a copy of the database alone cannot mint seat codes.
-- Exactly one key is neither retired nor revoked: it signs new codes.
-- Retired keys still verify the codes they signed; revoked keys verify none.
CREATE TABLE signing_keys (
    id BIGINT PRIMARY KEY,
    sealed_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT,
    revoked_at BIGINT
);
