-- The totals of the deal list are asked per owner (a rep's, a manager's team) and status over a
-- range of months, in every process: the primary key starts with the process, so they were read
-- in full (87,000 rows at 1,000,000 deals, 8 ms). Covering, so the counts are read from the index.
CREATE INDEX board_totals_owner ON board_totals(owner_id, status, close_month, stage_id, deals, amount_minor);
