-- The history's events no longer copy the deal's name: no figure is computed from it, a rename is
-- an event of its own (from one name to the next), and carrying it on every event made the
-- history half as large again (docs/PERFORMANCE.md, fix 35). Nothing reads events by their
-- instant alone, so that index goes too: each event was written into three b-trees, now two.
DROP INDEX opportunity_events_at;
ALTER TABLE opportunity_events DROP COLUMN name;
