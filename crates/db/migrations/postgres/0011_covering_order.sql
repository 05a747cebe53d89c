-- The indexes a list or a board column is read through in its order carry what the visibility
-- and the usual filters test (owner, team, the shared parents, status, close date): the rows a
-- viewer does not see are passed over in the index instead of each being looked up in the table
-- (docs/PERFORMANCE.md, fix 17).
DROP INDEX accounts_name;
CREATE INDEX accounts_name ON accounts(name, id) INCLUDE (owner_id, team_id);
DROP INDEX contacts_name;
CREATE INDEX contacts_name ON contacts(name, id) INCLUDE (owner_id, team_id, account_id);
DROP INDEX leads_created;
CREATE INDEX leads_created ON leads(created_at, id) INCLUDE (owner_id, team_id);
DROP INDEX activities_occurred;
CREATE INDEX activities_occurred ON activities(occurred_on, id) INCLUDE (owner_id, team_id, opportunity_id);
DROP INDEX opportunities_stage;
CREATE INDEX opportunities_stage ON opportunities(stage_id, status, expected_close_date, id) INCLUDE (owner_id, team_id, process_id);
DROP INDEX opportunities_close;
CREATE INDEX opportunities_close ON opportunities(expected_close_date, id) INCLUDE (status, owner_id, team_id);
DROP INDEX opportunities_amount;
CREATE INDEX opportunities_amount ON opportunities(amount_minor, id) INCLUDE (status, expected_close_date, owner_id, team_id);
-- A rep's deals in close-date order, with what a rep's list filters and sorts by.
DROP INDEX opportunities_owner;
CREATE INDEX opportunities_owner ON opportunities(owner_id, expected_close_date, id) INCLUDE (status, amount_minor);
