-- How many accounts, contacts, leads (per status) and activities each user owns. Kept by a trigger
-- in the same transaction as every change, so it cannot drift; the total of a manager's list sums
-- the rows of the team's owners instead of counting hundreds of thousands of records
-- (docs/PERFORMANCE.md, fix 7). `status` is the lead's status, '' for the other kinds.
CREATE TABLE record_counts (
    kind TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    records BIGINT NOT NULL,
    PRIMARY KEY (kind, owner_id, status)
);

INSERT INTO record_counts (kind, owner_id, status, records)
SELECT 'account', owner_id, '', COUNT(*) FROM accounts GROUP BY owner_id
UNION ALL SELECT 'contact', owner_id, '', COUNT(*) FROM contacts GROUP BY owner_id
UNION ALL SELECT 'lead', owner_id, status, COUNT(*) FROM leads GROUP BY owner_id, status
UNION ALL SELECT 'activity', owner_id, '', COUNT(*) FROM activities GROUP BY owner_id;

CREATE FUNCTION record_counts_add(k TEXT, o BIGINT, st TEXT, n BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO record_counts VALUES (k, o, st, n)
    ON CONFLICT (kind, owner_id, status) DO UPDATE SET records = record_counts.records + EXCLUDED.records;
$$;

-- TG_ARGV[0] is the kind; a lead is counted per status, the other kinds under ''. A change of
-- owner touches two rows, taken in key order so that two opposite reassignments wait for each
-- other instead of deadlocking.
CREATE FUNCTION record_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    k TEXT := TG_ARGV[0];
    old_status TEXT := '';
    new_status TEXT := '';
BEGIN
    -- Only a lead has its status read: the other tables may have no such column.
    IF k = 'lead' AND TG_OP <> 'INSERT' THEN
        old_status := OLD.status;
    END IF;
    IF k = 'lead' AND TG_OP <> 'DELETE' THEN
        new_status := NEW.status;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM record_counts_add(k, NEW.owner_id, new_status, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM record_counts_add(k, OLD.owner_id, old_status, -1);
    ELSIF (OLD.owner_id, old_status) < (NEW.owner_id, new_status) THEN
        PERFORM record_counts_add(k, OLD.owner_id, old_status, -1);
        PERFORM record_counts_add(k, NEW.owner_id, new_status, 1);
    ELSIF (OLD.owner_id, old_status) > (NEW.owner_id, new_status) THEN
        PERFORM record_counts_add(k, NEW.owner_id, new_status, 1);
        PERFORM record_counts_add(k, OLD.owner_id, old_status, -1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER record_counts_account AFTER INSERT OR DELETE OR UPDATE OF owner_id ON accounts
    FOR EACH ROW EXECUTE FUNCTION record_counts_apply('account');
CREATE TRIGGER record_counts_contact AFTER INSERT OR DELETE OR UPDATE OF owner_id ON contacts
    FOR EACH ROW EXECUTE FUNCTION record_counts_apply('contact');
CREATE TRIGGER record_counts_lead AFTER INSERT OR DELETE OR UPDATE OF owner_id, status ON leads
    FOR EACH ROW EXECUTE FUNCTION record_counts_apply('lead');
CREATE TRIGGER record_counts_activity AFTER INSERT OR DELETE OR UPDATE OF owner_id ON activities
    FOR EACH ROW EXECUTE FUNCTION record_counts_apply('activity');
