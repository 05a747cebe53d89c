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
    id INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (scope, id, slot)
);

INSERT INTO view_versions (scope, id, slot, version) VALUES ('all', 0, 0, 1);

CREATE TRIGGER view_versions_deal_insert AFTER INSERT ON opportunities BEGIN
    INSERT INTO view_versions (scope, id, slot, version) VALUES ('owner', NEW.owner_id, 0, 1)
    ON CONFLICT (scope, id, slot) DO UPDATE SET version = version + 1;
    INSERT INTO view_versions (scope, id, slot, version) SELECT 'team', NEW.team_id, 0, 1 WHERE NEW.team_id IS NOT NULL
    ON CONFLICT (scope, id, slot) DO UPDATE SET version = version + 1;
END;
-- A deal deleted or given to another owner may be one shared with someone: whose deals a viewer
-- sees through shares changes, which 'all' stands for.
CREATE TRIGGER view_versions_deal_delete AFTER DELETE ON opportunities BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
    INSERT INTO view_versions (scope, id, slot, version) VALUES ('owner', OLD.owner_id, 0, 1)
    ON CONFLICT (scope, id, slot) DO UPDATE SET version = version + 1;
    INSERT INTO view_versions (scope, id, slot, version) SELECT 'team', OLD.team_id, 0, 1 WHERE OLD.team_id IS NOT NULL
    ON CONFLICT (scope, id, slot) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER view_versions_deal_update AFTER UPDATE ON opportunities BEGIN
    INSERT INTO view_versions (scope, id, slot, version) VALUES ('owner', OLD.owner_id, 0, 1)
    ON CONFLICT (scope, id, slot) DO UPDATE SET version = version + 1;
    INSERT INTO view_versions (scope, id, slot, version) SELECT 'owner', NEW.owner_id, 0, 1 WHERE NEW.owner_id <> OLD.owner_id
    ON CONFLICT (scope, id, slot) DO UPDATE SET version = version + 1;
    INSERT INTO view_versions (scope, id, slot, version) SELECT 'team', OLD.team_id, 0, 1 WHERE OLD.team_id IS NOT NULL
    ON CONFLICT (scope, id, slot) DO UPDATE SET version = version + 1;
    INSERT INTO view_versions (scope, id, slot, version) SELECT 'team', NEW.team_id, 0, 1 WHERE NEW.team_id IS NOT NULL AND NEW.team_id IS NOT OLD.team_id
    ON CONFLICT (scope, id, slot) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER view_versions_deal_owner AFTER UPDATE OF owner_id ON opportunities
WHEN OLD.owner_id <> NEW.owner_id BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;

CREATE TRIGGER view_versions_account_name AFTER UPDATE OF name ON accounts
WHEN OLD.name <> NEW.name BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_processes_insert AFTER INSERT ON processes BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_processes_update AFTER UPDATE ON processes BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_processes_delete AFTER DELETE ON processes BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_stages_insert AFTER INSERT ON stages BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_stages_update AFTER UPDATE ON stages BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_stages_delete AFTER DELETE ON stages BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_users_insert AFTER INSERT ON users BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_users_update AFTER UPDATE ON users BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_users_delete AFTER DELETE ON users BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_teams_insert AFTER INSERT ON teams BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_teams_update AFTER UPDATE ON teams BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_teams_delete AFTER DELETE ON teams BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_team_closure_insert AFTER INSERT ON team_closure BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_team_closure_update AFTER UPDATE ON team_closure BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_team_closure_delete AFTER DELETE ON team_closure BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_shares_insert AFTER INSERT ON shares BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_shares_update AFTER UPDATE ON shares BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_shares_delete AFTER DELETE ON shares BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
