"""The insight report at scale: a 10,000-member hub with a million ledger entries.

    python bench/insight.py            # 10,000 members, 1,000,000 entries, 50,000 referrals
    python bench/insight.py --quick    # 1,000 members, 50,000 entries, for a smoke run

Builds its own SQLite database (a file under a new temporary folder) in bulk with plain
rows (`coproduce.bulk.insert_rows`, and plain SQL for the ledger): one hub with ten
neighbourhoods of known decile and population, its members spread over them (fewer in
the most deprived), their time-bank accounts, 500,000 exchanges (two entries each,
sealed) over the past year, some chest grants, 50,000 referrals (most matched), rota
slots with people on them, a conversation's participants and votes, and Your Space
ballots.

Times `coproduce.insight.report.build` for the last quarter (median of three), and, in
the same run, plain SQL aggregates of the same headline figures (members, active members,
minutes exchanged, people taking part by neighbourhood, referrals matched, rota places
filled) as the reference. Target: the full report in 2 s or less.

Writes bench/results/insight.json as {"members", "entries", "report_s", "reference_s"}
(the quick run writes insight.quick.json beside it).
"""

import argparse
import datetime
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
RESULTS = ROOT / "bench" / "results" / "insight.json"
QUICK_RESULTS = ROOT / "bench" / "results" / "insight.quick.json"
TARGET_S = 2.0
BATCH = 20_000


def setup_django(folder: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ["ALLOWED_HOSTS"] = "bench.example"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/insight.sqlite3"
    os.environ["COPRODUCE_HOME"] = str(folder)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, skip_checks=True)


def build(members: int, entries: int, referrals: int, seed: int = 18):
    from django.db import connection, transaction
    from django.utils import timezone

    from coproduce.bulk import insert_rows
    from coproduce.deliberation.models import Conversation, Participant, Statement, Vote
    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import ConsentRecord, Membership, Neighbourhood, Person
    from coproduce.involve.space.models import Ballot, Round
    from coproduce.referrals.models import Assignment, Project, Referral, Slot
    from coproduce.timebank.models import Account, Entry, Transfer

    rng = random.Random(seed)
    now = timezone.now()
    started = time.perf_counter()
    operator = Person.objects.create_superuser("op@bench.example", "x", display_name="Op")
    admin = hubs.person_register(email="admin@bench.example", display_name="Admin", password=None)
    hub = hubs.hub_create(actor=operator, slug="bench", name="Bench", purpose="Bench", admin=admin)
    areas = [
        Neighbourhood.objects.create(
            hub=hub, name=f"Area {d}", deprivation_decile=d, population=8000 + 500 * d
        )
        for d in range(1, 11)
    ]
    weights = [0.4 + 0.15 * d for d in range(1, 11)]  # the most deprived take part least
    with transaction.atomic():
        people = insert_rows(
            Person,
            [
                {
                    "email": f"m{n}@bench.example",
                    "display_name": f"Member {n}",
                    "password": "!",
                    "date_joined": now,
                }
                for n in range(members)
            ],
            returning_ids=True,
        )
        memberships = insert_rows(
            Membership,
            [
                {
                    "person_id": p,
                    "hub_id": hub.pk,
                    "neighbourhood_id": rng.choices(areas, weights)[0].pk,
                    "joined_at": now - datetime.timedelta(days=rng.randrange(20, 800)),
                }
                for p in people
            ],
            returning_ids=True,
        )
        accounts = insert_rows(
            Account,
            [{"hub_id": hub.pk, "kind": "member", "membership_id": m} for m in memberships],
            returning_ids=True,
        )
    chest = Account.objects.get_or_create(hub=hub, kind="chest")[0].pk
    # Exchanges: a few busy givers, most occasional; over the past year.
    busy = accounts[: max(1, members // 20)]
    year = 365 * 24 * 3600
    transfers = entries // 2
    stamp = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM timebank_transfer")
        next_id = cursor.fetchone()[0] + 1
        for first in range(0, transfers, BATCH):
            transfer_rows, entry_rows = [], []
            for n in range(first, min(transfers, first + BATCH)):
                tid = next_id + n
                grant = n % 50 == 0
                giver = chest if grant else rng.choice(busy if rng.random() < 0.3 else accounts)
                taker = rng.choice(accounts)
                while taker == giver:
                    taker = rng.choice(accounts)
                when = now - datetime.timedelta(seconds=rng.randrange(year))
                minutes = rng.choice([30, 60, 60, 90, 120, 180])
                transfer_rows.append(
                    (tid, hub.pk, "grant" if grant else "exchange", f"b{tid}", "", "", stamp(when))
                )
                entry_rows += [(tid, giver, minutes, -1), (tid, taker, minutes, 1)]
            with transaction.atomic():
                cursor.executemany(
                    "INSERT INTO timebank_transfer (id, hub_id, kind, idempotency_key, "
                    "fingerprint, memo, created_at, sealed, over_limit) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, 0, 0)",
                    transfer_rows,
                )
                cursor.executemany(
                    "INSERT INTO timebank_entry (transfer_id, account_id, amount_minutes, "
                    "direction) VALUES (%s, %s, %s, %s)",
                    entry_rows,
                )
        cursor.execute("UPDATE timebank_transfer SET sealed = 1 WHERE hub_id = %s", [hub.pk])
    # Referrals: most matched within a fortnight.
    consent = ConsentRecord.objects.create(
        person=admin, hub=hub, purpose="Referral", given=True, method="paper"
    )
    with transaction.atomic():
        for first in range(0, referrals, BATCH):
            rows = []
            for _ in range(min(BATCH, referrals - first)):
                created = now - datetime.timedelta(seconds=rng.randrange(year))
                matched = (
                    created + datetime.timedelta(hours=rng.randrange(1, 24 * 14))
                    if rng.random() < 0.85
                    else None
                )
                rows.append(
                    {
                        "hub_id": hub.pk,
                        "person_id": rng.choice(people),
                        "referred_by_id": admin.pk,
                        "consent_id": consent.pk,
                        "description": "Help with shopping.",
                        "status": "matched" if matched else "triaged",
                        "neighbourhood_id": rng.choice(areas).pk,
                        "created_at": created,
                        "matched_at": matched,
                    }
                )
            insert_rows(Referral, rows)
    # Rota slots with people on them.
    project = Project.objects.create(
        hub=hub, name="Calls", kind="phone_friend", lead=admin, created_by=admin, roles=["caller"]
    )
    slot_rows = []
    for _ in range(referrals // 2):
        starts = now - datetime.timedelta(seconds=rng.randrange(year))
        slot_rows.append(
            {
                "project_id": project.pk,
                "starts_at": starts,
                "ends_at": starts + datetime.timedelta(hours=1),
                "role": "caller",
                "places": rng.choice([1, 1, 2]),
                "created_by_id": admin.pk,
                "cancelled": rng.random() < 0.03,
            }
        )
    with transaction.atomic():
        slot_ids = insert_rows(Slot, slot_rows, returning_ids=True)
        insert_rows(
            Assignment,
            [
                {
                    "slot_id": s,
                    "person_id": rng.choice(people),
                    "status": rng.choice(["attended"] * 8 + ["missed", "given_up"]),
                    "created_at": now,
                }
                for s in slot_ids
                if rng.random() < 0.9
            ],
        )
    # A conversation's participants and their votes; Your Space ballots.
    conversation = Conversation.objects.create(hub=hub, question="What should we do?")
    statements = [
        Statement.objects.create(
            conversation=conversation, text=f"Idea {n}", normalised=f"idea {n}"
        )
        for n in range(50)
    ]
    voters = rng.sample(people, min(len(people), max(10, members // 5)))
    with transaction.atomic():
        participant_ids = insert_rows(
            Participant,
            [
                {
                    "conversation_id": conversation.pk,
                    "person_id": p,
                    "role": "user",
                    "joined_at": now - datetime.timedelta(days=rng.randrange(1, 80)),
                }
                for p in voters
            ],
            returning_ids=True,
        )
        insert_rows(
            Vote,
            [
                {"participant_id": pid, "statement_id": s.pk, "value": rng.choice([-1, 0, 1])}
                for pid in participant_ids
                for s in rng.sample(statements, 25)
            ],
        )
    space = Round.objects.create(
        hub=hub, title="Our space", resource="money", amount=1000, created_by=admin
    )
    insert_rows(
        Ballot,
        [
            {"round_id": space.pk, "voter_id": p, "cast_at": now - datetime.timedelta(days=10)}
            for p in rng.sample(people, min(len(people), max(10, members // 4)))
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counted = Entry.objects.count()
    assert Transfer.objects.filter(sealed=False).count() == 0
    return hub, counted, time.perf_counter() - started


# The period's exchanges and grants, not reversed: each reference query reads entries
# through them, as a careful hand would write it.
IN_WINDOW = (
    "e.transfer_id IN (SELECT id FROM timebank_transfer WHERE hub_id = %(hub)s "
    "AND kind IN ('exchange', 'grant') AND created_at >= {since} AND created_at < %(end)s "
    "AND id NOT IN (SELECT reverses_id FROM timebank_transfer WHERE reverses_id IS NOT NULL))"
)
PERIOD = IN_WINDOW.format(since="%(start)s")
ACTIVE = IN_WINDOW.format(since="%(active_from)s")
REFERENCE_SQL = [
    # Members of the time bank at the end.
    "SELECT count(*) FROM hubs_membership m JOIN timebank_account a ON a.membership_id = m.id "
    "WHERE m.hub_id = %(hub)s",
    # Active members: a confirmed exchange in the 90 days before the end.
    "SELECT count(DISTINCT e.account_id) FROM timebank_entry e "  # noqa: S608 (fixed text)
    f"WHERE {ACTIVE} AND e.account_id IN "
    "(SELECT id FROM timebank_account WHERE hub_id = %(hub)s AND kind = 'member')",
    # Minutes given and received by each account in the period (reciprocity, value,
    # the busiest tenth).
    "SELECT e.account_id, e.direction, sum(e.amount_minutes) FROM timebank_entry e "  # noqa: S608
    f"WHERE {PERIOD} GROUP BY 1, 2",
    # People trading, by neighbourhood (and so by decile: the headline).
    "SELECT m.neighbourhood_id, count(DISTINCT m.person_id) FROM timebank_entry e "  # noqa: S608
    "JOIN timebank_account a ON a.id = e.account_id "
    f"JOIN hubs_membership m ON m.id = a.membership_id WHERE {PERIOD} GROUP BY 1",
    # Referrals made and matched, by neighbourhood.
    "SELECT neighbourhood_id, count(*), sum(matched_at IS NOT NULL AND matched_at < %(end)s) "
    "FROM referrals_referral WHERE hub_id = %(hub)s AND created_at >= %(start)s "
    "AND created_at < %(end)s GROUP BY 1",
    # Rota places offered and filled.
    "SELECT sum(s.places), sum(min(s.places, coalesce(x.n, 0))) FROM referrals_slot s "
    "JOIN referrals_project p ON p.id = s.project_id LEFT JOIN (SELECT slot_id, count(*) n "
    "FROM referrals_assignment WHERE status IN ('on_rota', 'attended', 'confirmed', "
    "'missed') GROUP BY slot_id) x ON x.slot_id = s.id WHERE p.hub_id = %(hub)s "
    "AND s.starts_at >= %(start)s AND s.starts_at < %(end)s AND NOT s.cancelled",
]


def reference(hub, start, end) -> tuple[float, list]:
    """Seconds for the plain SQL of the headline figures, and what each query found."""
    from django.db import connection

    from coproduce.insight.queries import Window

    window = Window.of(start, end)
    stamp = connection.ops.adapt_datetimefield_value
    params = {
        "hub": hub.pk,
        "start": stamp(window.start),
        "end": stamp(window.end),
        "active_from": stamp(window.ago(90)),
    }
    found = []
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in REFERENCE_SQL:
            cursor.execute(sql, params)
            found.append(cursor.fetchall())
    return time.perf_counter() - started, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small hub, for a smoke run")
    args = parser.parse_args()
    members, entries, referrals = (
        (1_000, 50_000, 5_000) if args.quick else (10_000, 1_000_000, 50_000)
    )
    folder = Path(tempfile.mkdtemp(prefix="coproduce-bench-insight-"))
    setup_django(folder)
    hub, counted, build_s = build(members, entries, referrals)
    print(f"Built {members:,} members, {counted:,} ledger entries in {build_s:.1f} s.")

    from django.utils import timezone

    from coproduce.insight import report

    end = timezone.localdate()
    start = end - datetime.timedelta(days=91)
    runs, references, figures = [], [], None
    for _ in range(3):
        began = time.perf_counter()
        figures = report.build(hub, start, end)
        runs.append(time.perf_counter() - began)
        seconds, found = reference(hub, start, end)
        references.append(seconds)
    # The report and the reference must agree on the figures both count.
    recip = figures["reciprocity"]
    assert recip["registered"] == found[0][0][0], (recip["registered"], found[0])
    assert recip["active"] == found[1][0][0], (recip["active"], found[1])
    given = sum(m for _, d, m in found[2] if d == -1)
    assert figures["value"]["minutes"] <= given, (figures["value"]["minutes"], given)
    assert figures["reliability"]["referrals"] == sum(n for _, n, _ in found[4])
    result = {
        "members": members,
        "entries": counted,
        "report_s": round(statistics.median(runs), 3),
        "reference_s": round(statistics.median(references), 3),
    }
    out = QUICK_RESULTS if args.quick else RESULTS
    out.write_text(json.dumps(result) + "\n")
    met = "met" if result["report_s"] <= TARGET_S else "NOT MET"
    print(
        f"Report of {start} to {end}: {result['report_s']} s (target {TARGET_S} s: {met}); "
        f"plain SQL of the same headline figures {result['reference_s']} s. "
        f"{recip['active']:,} of {recip['registered']:,} members active; headline ratio "
        f"{figures['equity']['headline']['ratio']}."
    )
    print(f"Written to {out.relative_to(ROOT)}")
    shutil.rmtree(folder, ignore_errors=True)  # the throw-away database


if __name__ == "__main__":
    main()
