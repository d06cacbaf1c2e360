"""Ledger throughput and verification speed, on SQLite and PostgreSQL.

    python bench/ledger.py            # both databases (PostgreSQL in a throw-away cluster)
    python bench/ledger.py --quick    # fewer exchanges, for a smoke run

For 1, 4 and 8 concurrent writers (threads, one database connection each) it posts
confirmed exchanges through the service layer three ways, then runs `ledger.verify`:

- batched: `exchanges_import`, a coordinator recording time sheets of BATCH exchanges
  each (the headline `exchanges_per_s`);
- one at a time: `exchange_record` then `exchange_confirm`, as two members do on the
  pages, with notices and audit rows (`exchanges_one_at_a_time_per_s`);
- bare ledger transfers, one per transaction (`transfers_per_s`).

The references in the same run are the same number of rows written with plain SQL and
no checks: one insert per transaction, and BATCH inserts per transaction; the ratios show
what the safety costs on this machine. Finally it times `verify` over about a million
entries. Writes bench/results/ledger.json.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "ledger.json"
# A smoke run (CI) writes beside the recorded figures, never over them.
QUICK_RESULTS = ROOT / "bench" / "results" / "ledger.quick.json"
WRITERS = [1, 4, 8]
BATCH = 500


def run_case(db: str, per_writer: int, batches: int, verify_entries: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    # Production-like: DEBUG off (no query log). Mail goes to memory, not a server.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("ALLOWED_HOSTS", "bench.example")
    if db == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("migrate", verbosity=0, skip_checks=True)

    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Person
    from coproduce.timebank import ledger, services
    from coproduce.timebank.ledger import Leg, post_transfer
    from coproduce.timebank.models import TransferKind

    operator = Person.objects.create_superuser("op@bench.example", "x", display_name="Op")
    admin = hubs.person_register(email="admin@bench.example", display_name="Admin", password=None)
    hub = hubs.hub_create(actor=operator, slug="bench", name="Bench", purpose="Bench", admin=admin)
    policy = ledger.policy_for(hub)
    policy.floor_minutes, policy.ceiling_minutes = -(10**9), 10**9
    policy.save()
    people, accounts = [], []
    for n in range(40):
        person = hubs.person_register(
            email=f"m{n}@bench.example", display_name=f"M{n}", password=None
        )
        membership = hubs.membership_add(actor=admin, hub=hub, person=person)
        people.append(person)
        accounts.append(services.account_for_membership(membership))

    def timed(writers: int, work) -> float:
        barrier = threading.Barrier(writers)
        errors = []

        def worker(index):
            try:
                barrier.wait()
                work(index)
            except Exception as error:  # reported after the run
                errors.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(writers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RuntimeError(errors[0])
        return time.perf_counter() - started

    cases = []
    for writers in WRITERS:

        def exchanges(index, writers=writers):
            for n in range(per_writer):
                a = (index * 7 + n) % len(accounts)
                b = (a + 1 + n % (len(accounts) - 1)) % len(accounts)
                exchange = services.exchange_record(
                    actor=people[a],
                    hub=hub,
                    giver=accounts[a],
                    receiver=accounts[b],
                    title="Bench",
                    minutes=60,
                )
                services.exchange_confirm(actor=people[b], exchange=exchange)

        def transfers(index, writers=writers):
            for n in range(per_writer):
                a = (index * 7 + n) % len(accounts)
                b = (a + 1 + n % (len(accounts) - 1)) % len(accounts)
                post_transfer(
                    hub=hub,
                    kind=TransferKind.EXCHANGE,
                    legs=[Leg(accounts[a], 60), Leg(accounts[b], -60)],
                    idempotency_key=f"t{writers}:{index}:{n}",
                )

        def imports(index, writers=writers):
            import datetime

            today = datetime.date.today()
            for batch in range(batches):
                rows = []
                for n in range(BATCH):
                    a = (index * 7 + n) % len(accounts)
                    b = (a + 1 + n % (len(accounts) - 1)) % len(accounts)
                    rows.append(
                        services.ExchangeRow(
                            line=n + 2,
                            giver=accounts[a],
                            receiver=accounts[b],
                            title="Bench",
                            minutes=60,
                            done_on=today,
                        )
                    )
                services.exchanges_import(
                    actor=admin, hub=hub, rows=rows, key=f"sheet{writers}:{index}:{batch}"
                )

        def bulk_reference(index, writers=writers):
            from django.db import transaction

            for batch in range(batches):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO bench_ref (a, b, minutes) VALUES (%s, %s, %s)",
                        [(index, batch * BATCH + n, 60) for n in range(BATCH)],
                    )

        def reference(index, writers=writers):
            from django.db import transaction

            for n in range(per_writer):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO bench_ref (a, b, minutes) VALUES (%s, %s, %s)", [index, n, 60]
                    )

        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_ref (a int, b int, minutes int)")
        total = writers * per_writer
        imported = writers * batches * BATCH
        import_s = timed(writers, imports)
        bulk_reference_s = timed(writers, bulk_reference)
        exchange_s = timed(writers, exchanges)
        transfer_s = timed(writers, transfers)
        reference_s = timed(writers, reference)
        report = ledger.verify(hub)
        cases.append(
            {
                "db": db,
                "writers": writers,
                "exchanges_per_s": round(imported / import_s, 1),
                "batch_size": BATCH,
                "reference_bulk_inserts_per_s": round(imported / bulk_reference_s, 1),
                "batch_cost_vs_reference": round(import_s / bulk_reference_s, 1),
                "exchanges_one_at_a_time_per_s": round(total / exchange_s, 1),
                "transfers_per_s": round(total / transfer_s, 1),
                "reference_inserts_per_s": round(total / reference_s, 1),
                "transfer_cost_vs_reference": round(transfer_s / reference_s, 1),
                "violations": len(report.problems),
            }
        )
        print(json.dumps(cases[-1]), file=sys.stderr, flush=True)

    verify_s = None
    if verify_entries:
        verify_s = _time_verify(hub, accounts, verify_entries)
    return {"cases": cases, "verify_entries": verify_entries, "verify_s": verify_s}


def _time_verify(hub, accounts, entries: int) -> float:
    """Bulk-load balanced transfers (bypassing the service, which is not what is timed),
    fix the balances to match, then time a full verify."""
    from django.db import connection, transaction
    from django.db.models import F, Sum

    from coproduce.timebank import ledger, tallies
    from coproduce.timebank.models import Account, Entry, Transfer

    pairs = entries // 2
    batch = 5000
    with transaction.atomic():
        for start in range(0, pairs, batch):
            transfers = Transfer.objects.bulk_create(
                Transfer(
                    hub=hub, kind="exchange", idempotency_key=f"bulk{start + i}", fingerprint="bulk"
                )
                for i in range(min(batch, pairs - start))
            )
            rows = []
            for i, transfer in enumerate(transfers):
                a = accounts[(start + i) % len(accounts)]
                b = accounts[(start + i + 1) % len(accounts)]
                rows += [
                    Entry(transfer=transfer, account=a, amount_minutes=30, direction=1),
                    Entry(transfer=transfer, account=b, amount_minutes=30, direction=-1),
                ]
            Entry.objects.bulk_create(rows)
        Transfer.objects.filter(hub=hub, sealed=False).update(sealed=True)
        sums = dict(
            Entry.objects.values("account")
            .annotate(s=Sum(F("amount_minutes") * F("direction")))
            .values_list("account", "s")
        )
        for account in Account.objects.filter(hub=hub):
            Account.objects.filter(pk=account.pk).update(balance_minutes=sums.get(account.pk, 0))
        # Written around the ledger, so its kept counts and last activity are recounted
        # (as `coproduce ledger retally` does) before verify compares them.
        tallies.rebuild(hub.pk)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    started = time.perf_counter()
    report = ledger.verify()
    elapsed = time.perf_counter() - started
    if not report.ok:
        raise RuntimeError(report.problems[:3])
    print(f"verify of {report.entries} entries: {elapsed:.2f} s", file=sys.stderr)
    return round(elapsed, 2)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=["sqlite", "postgres"])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    per_writer = 25 if args.quick else 250
    batches = 1 if args.quick else 4
    verify_entries = 20_000 if args.quick else 1_000_000
    if args.case:
        db = "postgresql" if args.case == "postgres" else "sqlite"
        print(json.dumps(run_case(db, per_writer, batches, verify_entries)))
        return 0

    extra = ["--quick"] if args.quick else []
    outputs = {}
    for case, command in [
        ("sqlite", [sys.executable, __file__, "--case", "sqlite", *extra]),
        (
            "postgres",
            [
                sys.executable,
                str(ROOT / "scripts" / "with-postgres.py"),
                sys.executable,
                __file__,
                "--case",
                "postgres",
                *extra,
            ],
        ),
    ]:
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        outputs[case] = json.loads(done.stdout.strip().splitlines()[-1])

    cases = outputs["sqlite"]["cases"] + outputs["postgres"]["cases"]
    result = {
        "cases": cases,
        "verify_1m_entries_s": outputs["sqlite"]["verify_s"],
        "verify_1m_entries_s_postgres": outputs["postgres"]["verify_s"],
        "verify_entries": outputs["sqlite"]["verify_entries"],
        "quick": args.quick,
    }
    results = QUICK_RESULTS if args.quick else RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"{'db':<11}{'writers':>8}{'exchanges/s':>13}{'plain SQL/s':>13}{'cost x':>8}"
        f"{'one by one/s':>14}{'transfers/s':>13}{'plain SQL/s':>13}{'cost x':>8}"
        f"{'violations':>12}"
    )
    for c in cases:
        print(
            f"{c['db']:<11}{c['writers']:>8}{c['exchanges_per_s']:>13}"
            f"{c['reference_bulk_inserts_per_s']:>13}{c['batch_cost_vs_reference']:>8}"
            f"{c['exchanges_one_at_a_time_per_s']:>14}{c['transfers_per_s']:>13}"
            f"{c['reference_inserts_per_s']:>13}{c['transfer_cost_vs_reference']:>8}"
            f"{c['violations']:>12}"
        )
    print(f"exchanges/s: recorded in time sheets of {BATCH}; one by one: record then confirm.")
    print(
        f"verify of {result['verify_entries']:,} entries: SQLite "
        f"{result['verify_1m_entries_s']} s, PostgreSQL "
        f"{result['verify_1m_entries_s_postgres']} s"
    )
    print(f"Results written to {results.relative_to(ROOT)}")
    return 0 if all(c["violations"] == 0 for c in cases) else 1


if __name__ == "__main__":
    sys.exit(main())
