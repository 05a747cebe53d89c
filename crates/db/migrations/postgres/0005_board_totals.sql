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

CREATE FUNCTION board_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE board_totals SET deals = deals - 1, amount_minor = amount_minor - OLD.amount_minor
        WHERE process_id = OLD.process_id AND status = OLD.status AND owner_id = OLD.owner_id
          AND stage_id = OLD.stage_id AND close_month = date_trunc('month', OLD.expected_close_date)::date;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO board_totals VALUES
            (NEW.process_id, NEW.status, NEW.owner_id, NEW.stage_id,
             date_trunc('month', NEW.expected_close_date)::date, 1, NEW.amount_minor)
        ON CONFLICT (process_id, status, owner_id, stage_id, close_month)
        DO UPDATE SET deals = board_totals.deals + 1, amount_minor = board_totals.amount_minor + EXCLUDED.amount_minor;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER board_totals_insert_delete AFTER INSERT OR DELETE ON opportunities
    FOR EACH ROW EXECUTE FUNCTION board_totals_apply();
CREATE TRIGGER board_totals_update
    AFTER UPDATE OF process_id, status, owner_id, stage_id, expected_close_date, amount_minor ON opportunities
    FOR EACH ROW EXECUTE FUNCTION board_totals_apply();
