-- Versions of the record lists (accounts, contacts, leads, activities), so that a server keeps a
-- list it rendered as it keeps a board (docs/PERFORMANCE.md, fix 29). One key per kind, (kind, 0),
-- rising in the same transaction as every insert, update or delete of a record of that kind, and
-- the accounts' also with a deal's account (an account is seen through the deals shared with a
-- viewer). What else a list shows, or who sees which record, moves 'all' (people, teams, shares,
-- account names: 0009). A list is kept while 'all' and its kind's key stand still. One row per
-- slot, as for the deals, so that writers on several connections do not queue on one row.
--
-- The triggers run once per statement and only when it changed a row (its transition table is
-- not empty): a refused edit (a stale version) or a delete that found nothing moves nothing.
CREATE FUNCTION view_versions_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN
            RETURN NULL;
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL;
    END IF;
    INSERT INTO view_versions (scope, id, slot, version) VALUES (TG_ARGV[0], 0, pg_backend_pid() % 8, 1)
    ON CONFLICT (scope, id, slot) DO UPDATE SET version = view_versions.version + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER view_versions_accounts_insert AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('account');
CREATE TRIGGER view_versions_accounts_update AFTER UPDATE ON accounts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('account');
CREATE TRIGGER view_versions_accounts_delete AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('account');
CREATE TRIGGER view_versions_contacts_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('contact');
CREATE TRIGGER view_versions_contacts_update AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('contact');
CREATE TRIGGER view_versions_contacts_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('contact');
CREATE TRIGGER view_versions_leads_insert AFTER INSERT ON leads
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('lead');
CREATE TRIGGER view_versions_leads_update AFTER UPDATE ON leads
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('lead');
CREATE TRIGGER view_versions_leads_delete AFTER DELETE ON leads
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('lead');
CREATE TRIGGER view_versions_activities_insert AFTER INSERT ON activities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('activity');
CREATE TRIGGER view_versions_activities_update AFTER UPDATE ON activities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('activity');
CREATE TRIGGER view_versions_activities_delete AFTER DELETE ON activities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_records('activity');
-- Per row, for the deals whose account changed.
CREATE FUNCTION view_versions_deal_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO view_versions (scope, id, slot, version) VALUES ('account', 0, pg_backend_pid() % 8, 1)
    ON CONFLICT (scope, id, slot) DO UPDATE SET version = view_versions.version + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER view_versions_deal_account AFTER UPDATE OF account_id ON opportunities
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION view_versions_deal_account();

-- The shares' trigger (0009) ran for every statement on `shares`, also those that changed
-- nothing: every record deleted deletes its shares, so it moved 'all' — every kept view — on
-- each delete. Now only when a share was added, changed or removed.
DROP TRIGGER view_versions_shares ON shares;
CREATE FUNCTION view_versions_all_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN
            RETURN NULL;
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL;
    END IF;
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
    RETURN NULL;
END;
$$;
CREATE TRIGGER view_versions_shares_insert AFTER INSERT ON shares
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_all_changed();
CREATE TRIGGER view_versions_shares_update AFTER UPDATE ON shares
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_all_changed();
CREATE TRIGGER view_versions_shares_delete AFTER DELETE ON shares
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_all_changed();
