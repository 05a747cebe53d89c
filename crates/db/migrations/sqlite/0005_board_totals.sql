-- The board's column heads, pre-aggregated: deals and amount per process, status, owner, stage and
-- month of the expected close date. Kept by triggers in the same transaction as every change to
-- opportunities, so it cannot drift from them; a manager's board sums a few hundred rows here
-- instead of every deal of the team (docs/PERFORMANCE.md, gap 2).
CREATE TABLE board_totals (
    process_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    stage_id INTEGER NOT NULL,
    close_month TEXT NOT NULL,
    deals INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (process_id, status, owner_id, stage_id, close_month)
);

INSERT INTO board_totals (process_id, status, owner_id, stage_id, close_month, deals, amount_minor)
SELECT process_id, status, owner_id, stage_id, substr(expected_close_date, 1, 8) || '01', COUNT(*), SUM(amount_minor)
FROM opportunities GROUP BY process_id, status, owner_id, stage_id, substr(expected_close_date, 1, 8);

CREATE TRIGGER board_totals_insert AFTER INSERT ON opportunities BEGIN
    INSERT OR IGNORE INTO board_totals VALUES
        (NEW.process_id, NEW.status, NEW.owner_id, NEW.stage_id, substr(NEW.expected_close_date, 1, 8) || '01', 0, 0);
    UPDATE board_totals SET deals = deals + 1, amount_minor = amount_minor + NEW.amount_minor
    WHERE process_id = NEW.process_id AND status = NEW.status AND owner_id = NEW.owner_id
      AND stage_id = NEW.stage_id AND close_month = substr(NEW.expected_close_date, 1, 8) || '01';
END;

CREATE TRIGGER board_totals_delete AFTER DELETE ON opportunities BEGIN
    UPDATE board_totals SET deals = deals - 1, amount_minor = amount_minor - OLD.amount_minor
    WHERE process_id = OLD.process_id AND status = OLD.status AND owner_id = OLD.owner_id
      AND stage_id = OLD.stage_id AND close_month = substr(OLD.expected_close_date, 1, 8) || '01';
END;

CREATE TRIGGER board_totals_update
AFTER UPDATE OF process_id, status, owner_id, stage_id, expected_close_date, amount_minor ON opportunities BEGIN
    UPDATE board_totals SET deals = deals - 1, amount_minor = amount_minor - OLD.amount_minor
    WHERE process_id = OLD.process_id AND status = OLD.status AND owner_id = OLD.owner_id
      AND stage_id = OLD.stage_id AND close_month = substr(OLD.expected_close_date, 1, 8) || '01';
    INSERT OR IGNORE INTO board_totals VALUES
        (NEW.process_id, NEW.status, NEW.owner_id, NEW.stage_id, substr(NEW.expected_close_date, 1, 8) || '01', 0, 0);
    UPDATE board_totals SET deals = deals + 1, amount_minor = amount_minor + NEW.amount_minor
    WHERE process_id = NEW.process_id AND status = NEW.status AND owner_id = NEW.owner_id
      AND stage_id = NEW.stage_id AND close_month = substr(NEW.expected_close_date, 1, 8) || '01';
END;
