-- Versions of what a view of many deals (the board, the deal list) shows, so a server can keep a
-- rendered view and know, with one indexed read, whether it still shows the database as it is
-- (docs/PERFORMANCE.md, fix 9). Each row rises in the same transaction as every change under it:
-- ('owner', user) and ('team', team) for the deals they own or hold, ('all', 0) for everything a
-- board shows besides the deals (processes, stages, people, teams, shares, account names), and
-- for every change of who sees what. A viewer's version is the 'all' row and the sum of the rows
-- of the owners and teams in their sight: while 'all' stands still that set stands still, so the
-- sum changes with every change of a deal the viewer may see. Each key has a row per `slot` (the
-- writing connection's, on PostgreSQL; always 0 on SQLite's one writer), summed alike, so that
-- concurrent writers of one team do not all queue on one row until they commit.
CREATE TABLE view_versions (
    scope TEXT NOT NULL,
    id BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (scope, id, slot)
);

INSERT INTO view_versions (scope, id, slot, version) VALUES ('all', 0, 0, 1);

-- Once per statement, each key once, in key order ('all' < 'owner' < 'team', then by id): two
-- transactions changing deals of the same owners and teams take their rows in the same order and
-- wait for each other, never deadlock. A deal deleted or given to another owner may be one shared
-- with someone: whose deals a viewer sees through shares changes, which 'all' stands for.
CREATE FUNCTION view_versions_deals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO view_versions (scope, id, slot, version)
        SELECT k.scope, k.id, pg_backend_pid() % 8, 1 FROM (
            SELECT 'owner' AS scope, owner_id AS id FROM new_rows
            UNION SELECT 'team', team_id FROM new_rows WHERE team_id IS NOT NULL
        ) k ORDER BY k.scope, k.id
        ON CONFLICT (scope, id, slot) DO UPDATE SET version = view_versions.version + 1;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
        INSERT INTO view_versions (scope, id, slot, version)
        SELECT k.scope, k.id, pg_backend_pid() % 8, 1 FROM (
            SELECT 'owner' AS scope, owner_id AS id FROM old_rows
            UNION SELECT 'team', team_id FROM old_rows WHERE team_id IS NOT NULL
        ) k ORDER BY k.scope, k.id
        ON CONFLICT (scope, id, slot) DO UPDATE SET version = view_versions.version + 1;
    ELSE
        IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.owner_id <> o.owner_id) THEN
            UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
        END IF;
        INSERT INTO view_versions (scope, id, slot, version)
        SELECT k.scope, k.id, pg_backend_pid() % 8, 1 FROM (
            SELECT 'owner' AS scope, owner_id AS id FROM old_rows
            UNION SELECT 'owner', owner_id FROM new_rows
            UNION SELECT 'team', team_id FROM old_rows WHERE team_id IS NOT NULL
            UNION SELECT 'team', team_id FROM new_rows WHERE team_id IS NOT NULL
        ) k ORDER BY k.scope, k.id
        ON CONFLICT (scope, id, slot) DO UPDATE SET version = view_versions.version + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER view_versions_deal_insert AFTER INSERT ON opportunities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_deals();
CREATE TRIGGER view_versions_deal_update AFTER UPDATE ON opportunities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_deals();
CREATE TRIGGER view_versions_deal_delete AFTER DELETE ON opportunities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION view_versions_deals();

CREATE FUNCTION view_versions_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
    RETURN NULL;
END;
$$;

CREATE TRIGGER view_versions_account_name AFTER UPDATE OF name ON accounts
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION view_versions_all();
CREATE TRIGGER view_versions_processes AFTER INSERT OR UPDATE OR DELETE ON processes
    FOR EACH STATEMENT EXECUTE FUNCTION view_versions_all();
CREATE TRIGGER view_versions_stages AFTER INSERT OR UPDATE OR DELETE ON stages
    FOR EACH STATEMENT EXECUTE FUNCTION view_versions_all();
CREATE TRIGGER view_versions_users AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION view_versions_all();
CREATE TRIGGER view_versions_teams AFTER INSERT OR UPDATE OR DELETE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION view_versions_all();
CREATE TRIGGER view_versions_team_closure AFTER INSERT OR UPDATE OR DELETE ON team_closure
    FOR EACH STATEMENT EXECUTE FUNCTION view_versions_all();
CREATE TRIGGER view_versions_shares AFTER INSERT OR UPDATE OR DELETE ON shares
    FOR EACH STATEMENT EXECUTE FUNCTION view_versions_all();
