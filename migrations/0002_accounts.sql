-- Publishers and operators, and the API keys that authenticate them.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('publisher', 'operator')),
    created_at BIGINT NOT NULL,
    UNIQUE (role, name)
);

-- Only a SHA-256 of the whole key is kept (the secret is 256 random bits).
-- A console session signed in with a key and issued before `signed_out_at`
-- (Unix milliseconds) is refused: signing out ends the cookie everywhere,
-- not only in one browser.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (id),
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    signed_out_at BIGINT
);

CREATE INDEX api_keys_account ON api_keys (account);
