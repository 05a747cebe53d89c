-- How many accounts, contacts, leads (per status) and activities each user owns. Kept by triggers
-- in the same transaction as every change, so it cannot drift; the total of a manager's list sums
-- the rows of the team's owners instead of counting hundreds of thousands of records
-- (docs/PERFORMANCE.md, fix 7). `status` is the lead's status, '' for the other kinds.
CREATE TABLE record_counts (
    kind TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    records INTEGER NOT NULL,
    PRIMARY KEY (kind, owner_id, status)
);

INSERT INTO record_counts (kind, owner_id, status, records)
SELECT 'account', owner_id, '', COUNT(*) FROM accounts GROUP BY owner_id
UNION ALL SELECT 'contact', owner_id, '', COUNT(*) FROM contacts GROUP BY owner_id
UNION ALL SELECT 'lead', owner_id, status, COUNT(*) FROM leads GROUP BY owner_id, status
UNION ALL SELECT 'activity', owner_id, '', COUNT(*) FROM activities GROUP BY owner_id;

CREATE TRIGGER record_counts_account_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO record_counts VALUES ('account', NEW.owner_id, '', 1)
    ON CONFLICT (kind, owner_id, status) DO UPDATE SET records = records + 1;
END;
CREATE TRIGGER record_counts_account_delete AFTER DELETE ON accounts BEGIN
    UPDATE record_counts SET records = records - 1 WHERE kind = 'account' AND owner_id = OLD.owner_id AND status = '';
END;
CREATE TRIGGER record_counts_account_update AFTER UPDATE OF owner_id ON accounts
WHEN OLD.owner_id <> NEW.owner_id BEGIN
    UPDATE record_counts SET records = records - 1 WHERE kind = 'account' AND owner_id = OLD.owner_id AND status = '';
    INSERT INTO record_counts VALUES ('account', NEW.owner_id, '', 1)
    ON CONFLICT (kind, owner_id, status) DO UPDATE SET records = records + 1;
END;

CREATE TRIGGER record_counts_contact_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO record_counts VALUES ('contact', NEW.owner_id, '', 1)
    ON CONFLICT (kind, owner_id, status) DO UPDATE SET records = records + 1;
END;
CREATE TRIGGER record_counts_contact_delete AFTER DELETE ON contacts BEGIN
    UPDATE record_counts SET records = records - 1 WHERE kind = 'contact' AND owner_id = OLD.owner_id AND status = '';
END;
CREATE TRIGGER record_counts_contact_update AFTER UPDATE OF owner_id ON contacts
WHEN OLD.owner_id <> NEW.owner_id BEGIN
    UPDATE record_counts SET records = records - 1 WHERE kind = 'contact' AND owner_id = OLD.owner_id AND status = '';
    INSERT INTO record_counts VALUES ('contact', NEW.owner_id, '', 1)
    ON CONFLICT (kind, owner_id, status) DO UPDATE SET records = records + 1;
END;

CREATE TRIGGER record_counts_lead_insert AFTER INSERT ON leads BEGIN
    INSERT INTO record_counts VALUES ('lead', NEW.owner_id, NEW.status, 1)
    ON CONFLICT (kind, owner_id, status) DO UPDATE SET records = records + 1;
END;
CREATE TRIGGER record_counts_lead_delete AFTER DELETE ON leads BEGIN
    UPDATE record_counts SET records = records - 1 WHERE kind = 'lead' AND owner_id = OLD.owner_id AND status = OLD.status;
END;
CREATE TRIGGER record_counts_lead_update AFTER UPDATE OF owner_id, status ON leads
WHEN OLD.owner_id <> NEW.owner_id OR OLD.status <> NEW.status BEGIN
    UPDATE record_counts SET records = records - 1 WHERE kind = 'lead' AND owner_id = OLD.owner_id AND status = OLD.status;
    INSERT INTO record_counts VALUES ('lead', NEW.owner_id, NEW.status, 1)
    ON CONFLICT (kind, owner_id, status) DO UPDATE SET records = records + 1;
END;

CREATE TRIGGER record_counts_activity_insert AFTER INSERT ON activities BEGIN
    INSERT INTO record_counts VALUES ('activity', NEW.owner_id, '', 1)
    ON CONFLICT (kind, owner_id, status) DO UPDATE SET records = records + 1;
END;
CREATE TRIGGER record_counts_activity_delete AFTER DELETE ON activities BEGIN
    UPDATE record_counts SET records = records - 1 WHERE kind = 'activity' AND owner_id = OLD.owner_id AND status = '';
END;
CREATE TRIGGER record_counts_activity_update AFTER UPDATE OF owner_id ON activities
WHEN OLD.owner_id <> NEW.owner_id BEGIN
    UPDATE record_counts SET records = records - 1 WHERE kind = 'activity' AND owner_id = OLD.owner_id AND status = '';
    INSERT INTO record_counts VALUES ('activity', NEW.owner_id, '', 1)
    ON CONFLICT (kind, owner_id, status) DO UPDATE SET records = records + 1;
END;
