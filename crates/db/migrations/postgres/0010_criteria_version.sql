-- The stages' criteria and work items move the 'all' view version too (migration 0009): a server
-- keeps the processes with their stages and criteria while it stands (docs/PERFORMANCE.md, fix 13).
CREATE TRIGGER view_versions_stage_items AFTER INSERT OR UPDATE OR DELETE ON stage_items
    FOR EACH STATEMENT EXECUTE FUNCTION view_versions_all();
