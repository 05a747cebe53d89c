-- A qualified lead converts into an account, a contact and (optionally) an opportunity, in one
-- transaction; the lead keeps where it went. Deleting one of those records later only clears
-- the link.
ALTER TABLE leads ADD COLUMN converted_at TIMESTAMPTZ;
ALTER TABLE leads ADD COLUMN converted_account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN converted_contact_id BIGINT REFERENCES contacts(id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN converted_opportunity_id BIGINT REFERENCES opportunities(id) ON DELETE SET NULL;
