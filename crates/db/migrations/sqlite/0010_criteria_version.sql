-- The stages' criteria and work items move the 'all' view version too (migration 0009): a server
-- keeps the processes with their stages and criteria while it stands (docs/PERFORMANCE.md, fix 13).
CREATE TRIGGER view_versions_stage_items_insert AFTER INSERT ON stage_items BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_stage_items_update AFTER UPDATE ON stage_items BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
CREATE TRIGGER view_versions_stage_items_delete AFTER DELETE ON stage_items BEGIN
    UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0;
END;
