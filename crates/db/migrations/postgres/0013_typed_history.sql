-- A complete, typed history (docs/ARCHITECTURE.md, "History"): every event of a deal records the
-- deal's state after the change in typed columns, with who or what made it (a user, an import or
-- the system, which has no user). The organization gets a time zone for "today" and periods, and
-- a deal the reason it was won or lost. A deal deleted is kept with its history (`deleted_at`):
-- lists, boards and totals leave it out, an administrator can restore it.

ALTER TABLE opportunities ADD COLUMN close_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE org_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai';

ALTER TABLE opportunity_events
    ADD COLUMN actor_kind TEXT NOT NULL DEFAULT 'user',
    ALTER COLUMN actor_id DROP NOT NULL,
    ADD COLUMN detail TEXT,
    ADD COLUMN name TEXT,
    ADD COLUMN stage_id BIGINT,
    ADD COLUMN probability BIGINT,
    ADD COLUMN amount_minor BIGINT,
    ADD COLUMN currency TEXT,
    ADD COLUMN expected_close_date DATE,
    ADD COLUMN status TEXT,
    ADD COLUMN close_reason TEXT,
    ADD COLUMN owner_id BIGINT,
    ADD COLUMN team_id BIGINT,
    ADD COLUMN certainty BIGINT,
    ADD COLUMN certainty_evidence BIGINT,
    ADD COLUMN tracked BOOLEAN,
    ADD COLUMN grade TEXT,
    ADD COLUMN next_review_date DATE,
    ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT FALSE;

-- The state after an existing event: for each field its history recorded, the "from" of the
-- next event that changed it, else the deal's value now; the fields it did not record, as now.
UPDATE opportunity_events e SET
    stage_id = h.stage_id,
    amount_minor = h.amount_minor,
    expected_close_date = h.expected_close_date,
    status = h.status,
    owner_id = h.owner_id,
    certainty = h.certainty
FROM (
    SELECT e.id,
        COALESCE((SELECT CAST(x.from_value AS BIGINT) FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'stage' AND (x.at, x.id) > (e.at, e.id) ORDER BY x.at, x.id LIMIT 1), o.stage_id) AS stage_id,
        COALESCE((SELECT CAST(x.from_value AS BIGINT) FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'amount' AND (x.at, x.id) > (e.at, e.id) ORDER BY x.at, x.id LIMIT 1), o.amount_minor) AS amount_minor,
        COALESCE((SELECT CAST(x.from_value AS DATE) FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'close_date' AND (x.at, x.id) > (e.at, e.id) ORDER BY x.at, x.id LIMIT 1), o.expected_close_date) AS expected_close_date,
        COALESCE((SELECT x.from_value FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'status' AND (x.at, x.id) > (e.at, e.id) ORDER BY x.at, x.id LIMIT 1), o.status) AS status,
        COALESCE((SELECT CAST(x.from_value AS BIGINT) FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'owner' AND (x.at, x.id) > (e.at, e.id) ORDER BY x.at, x.id LIMIT 1), o.owner_id) AS owner_id,
        COALESCE((SELECT CAST(x.from_value AS BIGINT) FROM opportunity_events x WHERE x.opportunity_id = e.opportunity_id AND x.kind = 'certainty' AND (x.at, x.id) > (e.at, e.id) ORDER BY x.at, x.id LIMIT 1), o.certainty) AS certainty
    FROM opportunity_events e JOIN opportunities o ON o.id = e.opportunity_id
) h
WHERE h.id = e.id;

UPDATE opportunity_events e SET
    name = o.name,
    probability = COALESCE((SELECT s.probability FROM stages s WHERE s.id = e.stage_id), 0),
    currency = o.currency,
    close_reason = o.close_reason,
    team_id = CASE WHEN e.owner_id = o.owner_id THEN o.team_id ELSE (SELECT u.team_id FROM users u WHERE u.id = e.owner_id) END,
    certainty_evidence = o.certainty_evidence,
    tracked = o.tracked,
    grade = o.grade,
    next_review_date = o.next_review_date
FROM opportunities o
WHERE o.id = e.opportunity_id;

ALTER TABLE opportunity_events
    ALTER COLUMN name SET NOT NULL,
    ALTER COLUMN stage_id SET NOT NULL,
    ALTER COLUMN probability SET NOT NULL,
    ALTER COLUMN amount_minor SET NOT NULL,
    ALTER COLUMN currency SET NOT NULL,
    ALTER COLUMN expected_close_date SET NOT NULL,
    ALTER COLUMN status SET NOT NULL,
    ALTER COLUMN close_reason SET NOT NULL,
    ALTER COLUMN owner_id SET NOT NULL,
    ALTER COLUMN certainty SET NOT NULL,
    ALTER COLUMN certainty_evidence SET NOT NULL,
    ALTER COLUMN tracked SET NOT NULL;

-- The board's totals leave deleted deals out: they are kept under the status 'deleted', which no
-- board or list asks for, so deleting and restoring move a deal out of and back into its column.
CREATE OR REPLACE FUNCTION board_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_month DATE;
    new_month DATE;
    old_status TEXT;
    new_status TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM board_totals_add(NEW.process_id, CASE WHEN NEW.deleted_at IS NULL THEN NEW.status ELSE 'deleted' END,
            NEW.owner_id, NEW.stage_id, date_trunc('month', NEW.expected_close_date)::date, 1, NEW.amount_minor);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM board_totals_add(OLD.process_id, CASE WHEN OLD.deleted_at IS NULL THEN OLD.status ELSE 'deleted' END,
            OLD.owner_id, OLD.stage_id, date_trunc('month', OLD.expected_close_date)::date, -1, -OLD.amount_minor);
    ELSE
        old_month := date_trunc('month', OLD.expected_close_date)::date;
        new_month := date_trunc('month', NEW.expected_close_date)::date;
        old_status := CASE WHEN OLD.deleted_at IS NULL THEN OLD.status ELSE 'deleted' END;
        new_status := CASE WHEN NEW.deleted_at IS NULL THEN NEW.status ELSE 'deleted' END;
        IF (OLD.process_id, old_status, OLD.owner_id, OLD.stage_id, old_month)
            = (NEW.process_id, new_status, NEW.owner_id, NEW.stage_id, new_month) THEN
            IF OLD.amount_minor <> NEW.amount_minor THEN
                PERFORM board_totals_add(NEW.process_id, new_status, NEW.owner_id, NEW.stage_id,
                    new_month, 0, NEW.amount_minor - OLD.amount_minor);
            END IF;
        ELSIF (OLD.process_id, old_status, OLD.owner_id, OLD.stage_id, old_month)
            < (NEW.process_id, new_status, NEW.owner_id, NEW.stage_id, new_month) THEN
            PERFORM board_totals_add(OLD.process_id, old_status, OLD.owner_id, OLD.stage_id,
                old_month, -1, -OLD.amount_minor);
            PERFORM board_totals_add(NEW.process_id, new_status, NEW.owner_id, NEW.stage_id,
                new_month, 1, NEW.amount_minor);
        ELSE
            PERFORM board_totals_add(NEW.process_id, new_status, NEW.owner_id, NEW.stage_id,
                new_month, 1, NEW.amount_minor);
            PERFORM board_totals_add(OLD.process_id, old_status, OLD.owner_id, OLD.stage_id,
                old_month, -1, -OLD.amount_minor);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER board_totals_update ON opportunities;
CREATE TRIGGER board_totals_update
    AFTER UPDATE OF process_id, status, owner_id, stage_id, expected_close_date, amount_minor, deleted_at ON opportunities
    FOR EACH ROW EXECUTE FUNCTION board_totals_apply();
