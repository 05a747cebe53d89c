-- A complete, typed history (docs/ARCHITECTURE.md, "History"): every event of a deal records the
-- deal's state after the change in typed columns, with who or what made it (a user, an import or
-- the system, which has no user). The organization gets a time zone for "today" and periods, and
-- a deal the reason it was won or lost. A deal deleted is kept with its history (`deleted_at`):
-- lists, boards and totals leave it out, an administrator can restore it.

ALTER TABLE opportunities ADD COLUMN close_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN deleted_at TEXT;
ALTER TABLE org_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai';

CREATE TABLE opportunity_events_typed (
    id INTEGER PRIMARY KEY,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    actor_kind TEXT NOT NULL DEFAULT 'user',
    actor_id INTEGER REFERENCES users(id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT,
    reason TEXT,
    detail TEXT,
    name TEXT NOT NULL,
    stage_id INTEGER NOT NULL,
    probability INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    expected_close_date TEXT NOT NULL,
    status TEXT NOT NULL,
    close_reason TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    team_id INTEGER,
    certainty INTEGER NOT NULL,
    certainty_evidence INTEGER NOT NULL,
    tracked BOOLEAN NOT NULL,
    grade TEXT,
    next_review_date TEXT,
    deleted BOOLEAN NOT NULL DEFAULT FALSE
);

-- The state after an existing event: for each field its history recorded, the "from" of the
-- next event that changed it, else the deal's value now; the fields it did not record, as now.
INSERT INTO opportunity_events_typed (id, opportunity_id, actor_kind, actor_id, at, kind, from_value, to_value, reason,
    name, stage_id, probability, amount_minor, currency, expected_close_date, status, close_reason, owner_id, team_id,
    certainty, certainty_evidence, tracked, grade, next_review_date)
SELECT h.id, h.opportunity_id, 'user', h.actor_id, h.at, h.kind, h.from_value, h.to_value, h.reason,
    o.name, h.stage_id, COALESCE((SELECT s.probability FROM stages s WHERE s.id = h.stage_id), 0), h.amount_minor,
    o.currency, h.expected_close_date, h.status, o.close_reason, h.owner_id,
    CASE WHEN h.owner_id = o.owner_id THEN o.team_id ELSE (SELECT u.team_id FROM users u WHERE u.id = h.owner_id) END,
    h.certainty, o.certainty_evidence, o.tracked, o.grade, o.next_review_date
FROM (
    SELECT e.*,
        COALESCE((SELECT CAST(x.from_value AS INTEGER) FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'stage' AND (x.at > e.at OR (x.at = e.at AND x.id > e.id)) ORDER BY x.at, x.id LIMIT 1),
            (SELECT d.stage_id FROM opportunities d WHERE d.id = e.opportunity_id)) AS stage_id,
        COALESCE((SELECT CAST(x.from_value AS INTEGER) FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'amount' AND (x.at > e.at OR (x.at = e.at AND x.id > e.id)) ORDER BY x.at, x.id LIMIT 1),
            (SELECT d.amount_minor FROM opportunities d WHERE d.id = e.opportunity_id)) AS amount_minor,
        COALESCE((SELECT x.from_value FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'close_date' AND (x.at > e.at OR (x.at = e.at AND x.id > e.id)) ORDER BY x.at, x.id LIMIT 1),
            (SELECT d.expected_close_date FROM opportunities d WHERE d.id = e.opportunity_id)) AS expected_close_date,
        COALESCE((SELECT x.from_value FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'status' AND (x.at > e.at OR (x.at = e.at AND x.id > e.id)) ORDER BY x.at, x.id LIMIT 1),
            (SELECT d.status FROM opportunities d WHERE d.id = e.opportunity_id)) AS status,
        COALESCE((SELECT CAST(x.from_value AS INTEGER) FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'owner' AND (x.at > e.at OR (x.at = e.at AND x.id > e.id)) ORDER BY x.at, x.id LIMIT 1),
            (SELECT d.owner_id FROM opportunities d WHERE d.id = e.opportunity_id)) AS owner_id,
        COALESCE((SELECT CAST(x.from_value AS INTEGER) FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'certainty' AND (x.at > e.at OR (x.at = e.at AND x.id > e.id)) ORDER BY x.at, x.id LIMIT 1),
            (SELECT d.certainty FROM opportunities d WHERE d.id = e.opportunity_id)) AS certainty
    FROM opportunity_events e
) h JOIN opportunities o ON o.id = h.opportunity_id;

DROP TABLE opportunity_events;
ALTER TABLE opportunity_events_typed RENAME TO opportunity_events;
CREATE INDEX opportunity_events_opp ON opportunity_events(opportunity_id, at);
CREATE INDEX opportunity_events_at ON opportunity_events(at);

-- The board's totals leave deleted deals out: they are kept under the status 'deleted', which no
-- board or list asks for, so deleting and restoring move a deal out of and back into its column.
DROP TRIGGER board_totals_insert;
DROP TRIGGER board_totals_delete;
DROP TRIGGER board_totals_update;

CREATE TRIGGER board_totals_insert AFTER INSERT ON opportunities BEGIN
    INSERT OR IGNORE INTO board_totals VALUES
        (NEW.process_id, CASE WHEN NEW.deleted_at IS NULL THEN NEW.status ELSE 'deleted' END, NEW.owner_id, NEW.stage_id, substr(NEW.expected_close_date, 1, 8) || '01', 0, 0);
    UPDATE board_totals SET deals = deals + 1, amount_minor = amount_minor + NEW.amount_minor
    WHERE process_id = NEW.process_id AND status = CASE WHEN NEW.deleted_at IS NULL THEN NEW.status ELSE 'deleted' END AND owner_id = NEW.owner_id
      AND stage_id = NEW.stage_id AND close_month = substr(NEW.expected_close_date, 1, 8) || '01';
END;

CREATE TRIGGER board_totals_delete AFTER DELETE ON opportunities BEGIN
    UPDATE board_totals SET deals = deals - 1, amount_minor = amount_minor - OLD.amount_minor
    WHERE process_id = OLD.process_id AND status = CASE WHEN OLD.deleted_at IS NULL THEN OLD.status ELSE 'deleted' END AND owner_id = OLD.owner_id
      AND stage_id = OLD.stage_id AND close_month = substr(OLD.expected_close_date, 1, 8) || '01';
END;

CREATE TRIGGER board_totals_update
AFTER UPDATE OF process_id, status, owner_id, stage_id, expected_close_date, amount_minor, deleted_at ON opportunities BEGIN
    UPDATE board_totals SET deals = deals - 1, amount_minor = amount_minor - OLD.amount_minor
    WHERE process_id = OLD.process_id AND status = CASE WHEN OLD.deleted_at IS NULL THEN OLD.status ELSE 'deleted' END AND owner_id = OLD.owner_id
      AND stage_id = OLD.stage_id AND close_month = substr(OLD.expected_close_date, 1, 8) || '01';
    INSERT OR IGNORE INTO board_totals VALUES
        (NEW.process_id, CASE WHEN NEW.deleted_at IS NULL THEN NEW.status ELSE 'deleted' END, NEW.owner_id, NEW.stage_id, substr(NEW.expected_close_date, 1, 8) || '01', 0, 0);
    UPDATE board_totals SET deals = deals + 1, amount_minor = amount_minor + NEW.amount_minor
    WHERE process_id = NEW.process_id AND status = CASE WHEN NEW.deleted_at IS NULL THEN NEW.status ELSE 'deleted' END AND owner_id = NEW.owner_id
      AND stage_id = NEW.stage_id AND close_month = substr(NEW.expected_close_date, 1, 8) || '01';
END;
