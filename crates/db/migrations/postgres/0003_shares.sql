-- Records shared with a user (SPEC §1: a rep sees own records and records shared with them).
-- A share gives read access; editing, deleting and sharing stay with the owner, the managers
-- above them and admins. `record_id` points into the table named by `record_kind`; the
-- repositories delete a record's shares in the same transaction as the record.
CREATE TABLE shares (
    record_kind TEXT NOT NULL CHECK (record_kind IN ('account', 'contact', 'lead', 'opportunity')),
    record_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    granted_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (record_kind, record_id, user_id)
);
CREATE INDEX shares_user ON shares(user_id, record_kind, record_id);
