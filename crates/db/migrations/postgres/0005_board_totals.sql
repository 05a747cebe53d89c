-- The board's column heads, pre-aggregated: deals and amount per process, status, owner, stage and
-- month of the expected close date. Kept by a trigger in the same transaction as every change to
-- opportunities, so it cannot drift from them; a manager's board sums a few hundred rows here
-- instead of every deal of the team (docs/PERFORMANCE.md, gap 2).
CREATE TABLE board_totals (
    process_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    stage_id BIGINT NOT NULL,
    close_month DATE NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (process_id, status, owner_id, stage_id, close_month)
);

INSERT INTO board_totals (process_id, status, owner_id, stage_id, close_month, deals, amount_minor)
SELECT process_id, status, owner_id, stage_id, date_trunc('month', expected_close_date)::date, COUNT(*), SUM(amount_minor)
FROM opportunities GROUP BY 1, 2, 3, 4, 5;

-- Two transactions moving deals of the same owner in opposite directions each touch the same two
-- totals rows; taking them in key order makes the second wait instead of deadlocking.
CREATE FUNCTION board_totals_add(p BIGINT, st TEXT, o BIGINT, sg BIGINT, m DATE, n BIGINT, amount BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO board_totals VALUES (p, st, o, sg, m, n, amount)
    ON CONFLICT (process_id, status, owner_id, stage_id, close_month)
    DO UPDATE SET deals = board_totals.deals + EXCLUDED.deals,
                  amount_minor = board_totals.amount_minor + EXCLUDED.amount_minor;
$$;

CREATE FUNCTION board_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_month DATE;
    new_month DATE;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM board_totals_add(NEW.process_id, NEW.status, NEW.owner_id, NEW.stage_id,
            date_trunc('month', NEW.expected_close_date)::date, 1, NEW.amount_minor);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM board_totals_add(OLD.process_id, OLD.status, OLD.owner_id, OLD.stage_id,
            date_trunc('month', OLD.expected_close_date)::date, -1, -OLD.amount_minor);
    ELSE
        old_month := date_trunc('month', OLD.expected_close_date)::date;
        new_month := date_trunc('month', NEW.expected_close_date)::date;
        IF (OLD.process_id, OLD.status, OLD.owner_id, OLD.stage_id, old_month)
            = (NEW.process_id, NEW.status, NEW.owner_id, NEW.stage_id, new_month) THEN
            IF OLD.amount_minor <> NEW.amount_minor THEN
                PERFORM board_totals_add(NEW.process_id, NEW.status, NEW.owner_id, NEW.stage_id,
                    new_month, 0, NEW.amount_minor - OLD.amount_minor);
            END IF;
        ELSIF (OLD.process_id, OLD.status, OLD.owner_id, OLD.stage_id, old_month)
            < (NEW.process_id, NEW.status, NEW.owner_id, NEW.stage_id, new_month) THEN
            PERFORM board_totals_add(OLD.process_id, OLD.status, OLD.owner_id, OLD.stage_id,
                old_month, -1, -OLD.amount_minor);
            PERFORM board_totals_add(NEW.process_id, NEW.status, NEW.owner_id, NEW.stage_id,
                new_month, 1, NEW.amount_minor);
        ELSE
            PERFORM board_totals_add(NEW.process_id, NEW.status, NEW.owner_id, NEW.stage_id,
                new_month, 1, NEW.amount_minor);
            PERFORM board_totals_add(OLD.process_id, OLD.status, OLD.owner_id, OLD.stage_id,
                old_month, -1, -OLD.amount_minor);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER board_totals_insert_delete AFTER INSERT OR DELETE ON opportunities
    FOR EACH ROW EXECUTE FUNCTION board_totals_apply();
CREATE TRIGGER board_totals_update
    AFTER UPDATE OF process_id, status, owner_id, stage_id, expected_close_date, amount_minor ON opportunities
    FOR EACH ROW EXECUTE FUNCTION board_totals_apply();
