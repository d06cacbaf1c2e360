"""A person with 50,000 ledger entries downloads their data: the zip is written a chunk
of rows at a time, so the memory it takes does not grow with the statement."""

import tracemalloc
import zipfile

from coproduce.insight import exports
from coproduce.timebank.models import Entry, Transfer, TransferKind

ENTRIES = 50_000
FEW = 500


def give(world, account, other, count: int, prefix: str) -> None:
    """`count` entries on the account, each balanced by one on `other` (unsealed
    transfers, written straight in; PostgreSQL checks each sums to zero at commit)."""
    transfers = Transfer.objects.bulk_create(
        [
            Transfer(
                hub=world.hub,
                kind=TransferKind.EXCHANGE,
                idempotency_key=f"{prefix}-{n}",
                fingerprint="x",
                memo=f"Help number {n} with the garden",
                created_by=world.member,
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    Entry.objects.bulk_create(
        [
            entry
            for t in transfers
            for entry in (
                Entry(transfer=t, account=account, amount_minutes=30, direction=1),
                Entry(transfer=t, account=other, amount_minutes=30, direction=-1),
            )
        ],
        batch_size=5000,
    )


def peak_of(person, path) -> int:
    tracemalloc.start()
    try:
        exports.write_zip(person, path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_fifty_thousand_entries_take_little_more_memory_than_a_few(world, bank, tmp_path):
    give(world, bank.member, bank.staff, FEW, "few")
    few = peak_of(world.member, tmp_path / "few.zip")
    give(world, bank.member, bank.staff, ENTRIES - FEW, "many")
    many = peak_of(world.member, tmp_path / "many.zip")
    with zipfile.ZipFile(tmp_path / "many.zip") as archive, archive.open("statement.csv") as f:
        lines = sum(1 for _ in f)
    assert lines == ENTRIES + 1  # the heading, and every entry
    # A hundred times the entries, and the peak grows by far less than the statement
    # would take held in memory (tens of megabytes as rows of Python objects).
    assert many < few + 8_000_000, (few, many)
