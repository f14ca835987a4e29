-- The signing key a train set's labels are minted with. Its labels are
-- printed once and have no end, so this key is kept at every rotation while
-- the set is live (not dropped after the horizon that ends trip codes), and
-- reprinting a sheet gives the same labels whatever key signs new codes.
-- Revoking the key moves the set to the signer of that moment (its labels
-- must then be printed again). A set registered before this column existed
-- takes the key that signs now: its sheets are minted with it from now on.
ALTER TABLE vehicles ADD COLUMN label_key BIGINT;
UPDATE vehicles SET label_key = (
    SELECT id FROM signing_keys WHERE retired_at IS NULL AND revoked_at IS NULL
) WHERE retired_at IS NULL;
