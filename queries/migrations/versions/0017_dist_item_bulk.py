"""Distribution rows load in bulk: `dist_item` without a per-row foreign-key check, one unique index fewer.

Preparing a national peak day writes 3,000,000 `dist_item` rows in one statement. The foreign key to
`distribution` fired one check per row, and the rows fed two unique B-trees: the primary key
(`distribution_id, kpp_code, chunk, ntpn`) and `uq_dist_item_ntpn` (`business_date, ntpn`). The second alone
already makes a row unique (a round belongs to one date), so:

- the primary key is now (`business_date, ntpn`) (the former `uq_dist_item_ntpn`, kept as it was: an NTPN goes out
  in one round only);
- batches are read through `ix_dist_item_batch` (`distribution_id, kpp_code, chunk`), not unique, a few MB for
  a 3,000,000-row day instead of the former key's 170;
- the foreign key becomes two statement-level triggers doing the same set-based: an insert naming a round that
  does not exist (or of another date) is refused with `foreign_key_violation`, and deleting rounds deletes their
  rows (what `ON DELETE CASCADE` did).

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE dist_item DROP CONSTRAINT fk_dist_item_distribution;
ALTER TABLE dist_item DROP CONSTRAINT pk_dist_item;
ALTER TABLE dist_item ADD CONSTRAINT pk_dist_item PRIMARY KEY USING INDEX uq_dist_item_ntpn;
CREATE INDEX ix_dist_item_batch ON dist_item (distribution_id, kpp_code, chunk);

CREATE FUNCTION dist_item_round_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT distribution_id, business_date FROM added) a
                WHERE NOT EXISTS (SELECT 1 FROM distribution d WHERE d.distribution_id = a.distribution_id
                                     AND d.business_date = a.business_date)) THEN
        RAISE EXCEPTION 'dist_item names a distribution round that does not exist (or of another date)'
              USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'fk_dist_item_distribution';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER fk_dist_item_distribution AFTER INSERT ON dist_item
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION dist_item_round_exists();
CREATE TRIGGER fk_dist_item_distribution_update AFTER UPDATE ON dist_item
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION dist_item_round_exists();

CREATE FUNCTION dist_item_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dist_item i USING gone g WHERE i.distribution_id = g.distribution_id;
    RETURN NULL;
END $$;
CREATE TRIGGER dist_item_cascade AFTER DELETE ON distribution
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION dist_item_cascade();
"""

DOWNGRADE = """
DROP TRIGGER dist_item_cascade ON distribution;
DROP FUNCTION dist_item_cascade();
DROP TRIGGER fk_dist_item_distribution ON dist_item;
DROP TRIGGER fk_dist_item_distribution_update ON dist_item;
DROP FUNCTION dist_item_round_exists();
DROP INDEX ix_dist_item_batch;
ALTER TABLE dist_item DROP CONSTRAINT pk_dist_item;
CREATE UNIQUE INDEX uq_dist_item_ntpn ON dist_item (business_date, ntpn);
ALTER TABLE dist_item ADD CONSTRAINT pk_dist_item PRIMARY KEY (distribution_id, kpp_code, chunk, ntpn);
ALTER TABLE dist_item ADD CONSTRAINT fk_dist_item_distribution FOREIGN KEY (distribution_id)
    REFERENCES distribution ON DELETE CASCADE;
"""


def upgrade() -> None:
    """Swap the key and the foreign key of `dist_item` as described above; rows are kept."""
    op.execute(UPGRADE)


def downgrade() -> None:
    """Restore the former key, unique index and foreign key."""
    op.execute(DOWNGRADE)
