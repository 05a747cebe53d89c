-- One index per sort order of the record lists. A page of a list that matches much of the table (a
-- manager's team, an admin's everything) is read in the sort's order and stops after the page,
-- instead of collecting and sorting every match (docs/PERFORMANCE.md, fix 7).
CREATE INDEX opportunities_amount ON opportunities(amount_minor, id);
CREATE INDEX opportunities_name ON opportunities(name, id);
CREATE INDEX opportunities_updated ON opportunities(updated_at, id);
CREATE INDEX opportunities_certainty ON opportunities(certainty, id);
CREATE INDEX contacts_name ON contacts(name, id);
CREATE INDEX leads_created ON leads(created_at, id);
CREATE INDEX activities_occurred ON activities(occurred_on, id);
