"""Ledger rules the database enforces itself, whatever code writes to it.

- Entries are append-only: no UPDATE on either database; no DELETE on PostgreSQL
  (SQLite's test flush deletes rows, so there the model refuses deletes instead and
  `coproduce ledger verify` would find any gap).
- A transfer is sealed once its entries are written; sealing an unbalanced transfer (or
  one with fewer than two entries) fails, and so does adding an entry to a sealed one.
- PostgreSQL also checks at commit, with a deferred constraint trigger, that every
  transfer touched in the transaction sums to zero.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON timebank_entry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END""",
    """CREATE TRIGGER ledger_entry_not_into_sealed BEFORE INSERT ON timebank_entry
       WHEN (SELECT sealed FROM timebank_transfer WHERE id = NEW.transfer_id)
       BEGIN SELECT RAISE(ABORT, 'transfer is sealed'); END""",
    """CREATE TRIGGER ledger_transfer_seal_balanced BEFORE UPDATE OF sealed ON timebank_transfer
       WHEN NEW.sealed AND (
         (SELECT COALESCE(SUM(amount_minutes * direction), 1) FROM timebank_entry
           WHERE transfer_id = NEW.id) != 0
         OR (SELECT COUNT(*) FROM timebank_entry WHERE transfer_id = NEW.id) < 2)
       BEGIN SELECT RAISE(ABORT, 'transfer does not sum to zero'); END""",
    """CREATE TRIGGER ledger_transfer_stays_sealed BEFORE UPDATE OF sealed ON timebank_transfer
       WHEN OLD.sealed AND NOT NEW.sealed
       BEGIN SELECT RAISE(ABORT, 'a sealed transfer cannot be unsealed'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_entry_no_update",
    "DROP TRIGGER IF EXISTS ledger_entry_not_into_sealed",
    "DROP TRIGGER IF EXISTS ledger_transfer_seal_balanced",
    "DROP TRIGGER IF EXISTS ledger_transfer_stays_sealed",
]

POSTGRES = [
    """CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END $$""",
    """CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON timebank_entry
       FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()""",
    """CREATE FUNCTION ledger_entry_not_into_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF (SELECT sealed FROM timebank_transfer WHERE id = NEW.transfer_id) THEN
           RAISE EXCEPTION 'transfer % is sealed', NEW.transfer_id;
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER ledger_entry_not_into_sealed BEFORE INSERT ON timebank_entry
       FOR EACH ROW EXECUTE FUNCTION ledger_entry_not_into_sealed()""",
    """CREATE FUNCTION ledger_transfer_check(transfer_id bigint) RETURNS void
       LANGUAGE plpgsql AS $$
       DECLARE total bigint; entries int;
       BEGIN
         SELECT COALESCE(SUM(amount_minutes * direction), 0), COUNT(*) INTO total, entries
           FROM timebank_entry WHERE timebank_entry.transfer_id = ledger_transfer_check.transfer_id;
         IF total <> 0 OR entries < 2 THEN
           RAISE EXCEPTION 'transfer % does not sum to zero (sum %, % entries)',
             transfer_id, total, entries;
         END IF;
       END $$""",
    """CREATE FUNCTION ledger_transfer_seal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF OLD.sealed AND NOT NEW.sealed THEN
           RAISE EXCEPTION 'a sealed transfer cannot be unsealed';
         END IF;
         IF NEW.sealed AND NOT OLD.sealed THEN
           PERFORM ledger_transfer_check(NEW.id);
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER ledger_transfer_seal_balanced BEFORE UPDATE OF sealed ON timebank_transfer
       FOR EACH ROW EXECUTE FUNCTION ledger_transfer_seal_balanced()""",
    """CREATE FUNCTION ledger_entry_balanced_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM ledger_transfer_check(NEW.transfer_id); RETURN NULL; END $$""",
    """CREATE CONSTRAINT TRIGGER ledger_entry_balanced_at_commit
       AFTER INSERT ON timebank_entry DEFERRABLE INITIALLY DEFERRED
       FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced_at_commit()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_entry_balanced_at_commit ON timebank_entry",
    "DROP TRIGGER IF EXISTS ledger_transfer_seal_balanced ON timebank_transfer",
    "DROP TRIGGER IF EXISTS ledger_entry_not_into_sealed ON timebank_entry",
    "DROP TRIGGER IF EXISTS ledger_entry_append_only ON timebank_entry",
    "DROP FUNCTION IF EXISTS ledger_entry_balanced_at_commit()",
    "DROP FUNCTION IF EXISTS ledger_transfer_seal_balanced()",
    "DROP FUNCTION IF EXISTS ledger_transfer_check(bigint)",
    "DROP FUNCTION IF EXISTS ledger_entry_not_into_sealed()",
    "DROP FUNCTION IF EXISTS ledger_refuse_change()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("timebank", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
