-- Versions of the record lists (accounts, contacts, leads, activities), so that a server keeps a
-- list it rendered as it keeps a board (docs/PERFORMANCE.md, fix 29). One key per kind, (kind, 0),
-- rising in the same transaction as every insert, update or delete of a record of that kind, and
-- the accounts' also with a deal's account (an account is seen through the deals shared with a
-- viewer). What else a list shows, or who sees which record, moves 'all' (people, teams, shares,
-- account names: 0009). A list is kept while 'all' and its kind's key stand still.
INSERT INTO view_versions (scope, id, slot, version) VALUES
    ('account', 0, 0, 1), ('contact', 0, 0, 1), ('lead', 0, 0, 1), ('activity', 0, 0, 1);

CREATE TRIGGER view_versions_accounts_insert AFTER INSERT ON accounts BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'account' AND id = 0;
END;
CREATE TRIGGER view_versions_accounts_update AFTER UPDATE ON accounts BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'account' AND id = 0;
END;
CREATE TRIGGER view_versions_accounts_delete AFTER DELETE ON accounts BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'account' AND id = 0;
END;
CREATE TRIGGER view_versions_contacts_insert AFTER INSERT ON contacts BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'contact' AND id = 0;
END;
CREATE TRIGGER view_versions_contacts_update AFTER UPDATE ON contacts BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'contact' AND id = 0;
END;
CREATE TRIGGER view_versions_contacts_delete AFTER DELETE ON contacts BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'contact' AND id = 0;
END;
CREATE TRIGGER view_versions_leads_insert AFTER INSERT ON leads BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'lead' AND id = 0;
END;
CREATE TRIGGER view_versions_leads_update AFTER UPDATE ON leads BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'lead' AND id = 0;
END;
CREATE TRIGGER view_versions_leads_delete AFTER DELETE ON leads BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'lead' AND id = 0;
END;
CREATE TRIGGER view_versions_activities_insert AFTER INSERT ON activities BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'activity' AND id = 0;
END;
CREATE TRIGGER view_versions_activities_update AFTER UPDATE ON activities BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'activity' AND id = 0;
END;
CREATE TRIGGER view_versions_activities_delete AFTER DELETE ON activities BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'activity' AND id = 0;
END;
CREATE TRIGGER view_versions_deal_account AFTER UPDATE OF account_id ON opportunities
WHEN OLD.account_id <> NEW.account_id BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'account' AND id = 0;
END;
