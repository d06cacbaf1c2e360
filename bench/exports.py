"""The whole-ledger CSV export, as the task writes it, at a million entries.

    python bench/exports.py            # 100,000 then 1,000,000 entries (SQLite)
    python bench/exports.py --quick    # 20,000 then 200,000 entries, for CI

Builds a hub whose ledger has the given number of entries (two a transfer, written in
bulk straight into the tables, then sealed: the export reads them, it does not care how
they came), then in a fresh process for each size runs `exports.write` (what the
`write_export` task does) and, as the reference, a bare SELECT of the same columns to
`csv.writer` with `fetchmany`. Each child's peak resident memory (ru_maxrss) shows
whether the file's memory stays flat as the ledger grows ten times. Writes
bench/results/exports.json (or exports.quick.json).
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "exports.json"
QUICK_RESULTS = ROOT / "bench" / "results" / "exports.quick.json"
BATCH = 20_000


def setup(database: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("ALLOWED_HOSTS", "bench.example")
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()


def build(database: str, entries: int) -> None:
    """A hub of 200 members and a ledger of `entries` entries."""
    setup(database)
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("migrate", verbosity=0, skip_checks=True)
    from coproduce.bulk import insert_rows
    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Person
    from coproduce.timebank import services
    from coproduce.timebank.models import Entry, Transfer

    operator = Person.objects.create_superuser("op@bench.example", "x", display_name="Op")
    admin = hubs.person_register(email="admin@bench.example", display_name="Admin", password=None)
    hub = hubs.hub_create(actor=operator, slug="bench", name="Bench", purpose="Bench", admin=admin)
    accounts = []
    for n in range(200):
        person = hubs.person_register(
            email=f"m{n}@bench.example", display_name=f"Member {n}", password=None
        )
        accounts.append(
            services.account_for_membership(
                hubs.membership_add(actor=admin, hub=hub, person=person)
            )
        )
    now = timezone.now()
    made = 0
    while made < entries // 2:
        count = min(BATCH, entries // 2 - made)
        ids = insert_rows(
            Transfer,
            [
                {
                    "hub_id": hub.pk,
                    "kind": "exchange",
                    "idempotency_key": f"bench:{made + n}",
                    "fingerprint": "",
                    "memo": "Help with the garden, and a cup of tea",
                    "created_at": now,
                }
                for n in range(count)
            ],
            returning_ids=True,
        )
        insert_rows(
            Entry,
            [
                {
                    "transfer_id": pk,
                    "account_id": accounts[(made + n + side) % len(accounts)].pk,
                    "amount_minutes": 60,
                    "direction": 1 if side else -1,
                }
                for n, pk in enumerate(ids)
                for side in (0, 1)
            ],
        )
        Transfer.objects.filter(pk__in=ids).update(sealed=True)
        made += count


def child(database: str, way: str, out: str) -> None:
    """One export in a process of its own: its peak memory is the export's."""
    setup(database)
    from django.db import connection

    from coproduce.hubs.models import Hub
    from coproduce.timebank import exports
    from coproduce.timebank.models import Export

    hub = Hub.objects.get(slug="bench")
    started = time.perf_counter()
    if way == "task":
        rows, size = exports.write(Export(hub=hub, kind="ledger"), Path(out))
    else:  # the reference: the same columns, straight from the cursor to csv.writer
        rows = 0
        with open(out, "w", newline="", encoding="utf-8") as file, connection.cursor() as cursor:
            writer = csv.writer(file)
            cursor.execute(
                "SELECT t.created_at, t.id, t.kind, a.kind, p.display_name, o.name,"
                " e.amount_minutes * e.direction, t.memo"
                " FROM timebank_entry e JOIN timebank_transfer t ON t.id = e.transfer_id"
                " JOIN timebank_account a ON a.id = e.account_id"
                " LEFT JOIN hubs_membership m ON m.id = a.membership_id"
                " LEFT JOIN hubs_person p ON p.id = m.person_id"
                " LEFT JOIN hubs_organisation o ON o.id = a.organisation_id"
                " WHERE t.hub_id = %s ORDER BY e.transfer_id, e.id",
                [hub.pk],
            )
            while batch := cursor.fetchmany(5000):
                writer.writerows(batch)
                rows += len(batch)
        size = Path(out).stat().st_size
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "bytes": size, "seconds": seconds, "peak_mb": peak_kb / 1024}))


def measure(database: str, way: str, folder: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", database, way, f"{folder}/{way}.csv"],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["rows_per_s"] = round(result["rows"] / result["seconds"])
    result["seconds"] = round(result["seconds"], 2)
    result["peak_mb"] = round(result["peak_mb"], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("DATABASE", "WAY", "OUT"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    sizes = [20_000, 200_000] if args.quick else [100_000, 1_000_000]
    runs = []
    for entries in sizes:
        folder = tempfile.mkdtemp(prefix="coproduce-exports-")
        database = f"{folder}/bench.sqlite3"
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build", database, str(entries)], check=True)
        built = time.perf_counter() - started
        task = measure(database, "task", folder)
        reference = measure(database, "reference", folder)
        run = {
            "entries": entries,
            "build_s": round(built, 1),
            "task": task,
            "reference": reference,
            "ratio": round(task["seconds"] / reference["seconds"], 2),
        }
        runs.append(run)
        print(
            f"{entries:>9,} entries: task {task['rows_per_s']:,} rows/s, "
            f"{task['seconds']} s, peak {task['peak_mb']} MB; bare SELECT to CSV "
            f"{reference['rows_per_s']:,} rows/s, {reference['seconds']} s, peak "
            f"{reference['peak_mb']} MB; x{run['ratio']}"
        )
        for name in ("task.csv", "reference.csv", "bench.sqlite3"):
            Path(folder, name).unlink(missing_ok=True)
    growth = runs[-1]["task"]["peak_mb"] / runs[0]["task"]["peak_mb"]
    summary = {
        "database": "sqlite",
        "runs": runs,
        "entries": runs[-1]["entries"],
        "rows_per_s": runs[-1]["task"]["rows_per_s"],
        "peak_mb": runs[-1]["task"]["peak_mb"],
        "peak_growth_for_10x_rows": round(growth, 2),
        "ratio_to_bare_select": runs[-1]["ratio"],
    }
    print(
        f"Peak memory grew x{summary['peak_growth_for_10x_rows']} for ten times the rows "
        f"(flat is x1)."
    )
    target = QUICK_RESULTS if args.quick else RESULTS
    target.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--build":
        build(sys.argv[2], int(sys.argv[3]))
    else:
        main()
