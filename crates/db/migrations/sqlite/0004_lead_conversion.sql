-- A qualified lead converts into an account, a contact and (optionally) an opportunity, in one
-- transaction; the lead keeps where it went. Deleting one of those records later only clears
-- the link.
ALTER TABLE leads ADD COLUMN converted_at TEXT;
ALTER TABLE leads ADD COLUMN converted_account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN converted_contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN converted_opportunity_id INTEGER REFERENCES opportunities(id) ON DELETE SET NULL;
