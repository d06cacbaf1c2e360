"""The hub's involvement figures (coproduce.involve.records.figures_for) on a hub of
10,000 members, counted by the database, against a simple reference in the same run:
reading every attendance row of the period into Python and counting there.

    python bench/involve_figures.py                 # 10,000 members on SQLite
    python bench/involve_figures.py --members 500   # a smoke run
    python scripts/with-postgres.py python bench/involve_figures.py --database postgresql

The hub is made through the services (hub, coordinator), then grown with bulk inserts
(benchmark data, seeded): 10,000 members; 300 opportunities of every kind, a tenth of them
recruitment panels; a meeting each; and about 30,000 attendance rows (three meetings a
member on average, a twentieth of them no-shows), each thanked with a payment, a voucher
or time credits. Prints the medians, their ratio and the queries each takes; writes
bench/results/involve_figures.<database>.json.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


def setup_django(database: str) -> None:
    folder = tempfile.mkdtemp(prefix="coproduce-involve-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ["COPRODUCE_HOME"] = folder
    if database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/involve.sqlite3"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, skip_checks=True)


def build(members: int, seed: int = 15):
    from django.utils import timezone

    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Membership, Person, Role
    from coproduce.involve.models import (
        Attendance,
        CoKind,
        Opportunity,
        Recompense,
        Session,
        SignUp,
    )

    rng = random.Random(seed)
    operator = Person.objects.create_superuser("operator@example.org", "x", display_name="Op")
    admin = hubs.person_register(email="admin@example.org", display_name="Admin", password=None)
    hub = hubs.hub_create(
        actor=operator, slug="big", name="Big Hub", purpose="Benchmarks.", admin=admin
    )
    coordinator = hubs.person_register(
        email="grace@example.org", display_name="Grace", password=None
    )
    hubs.membership_add(actor=admin, hub=hub, person=coordinator, role=Role.COORDINATOR)
    people = Person.objects.bulk_create(
        Person(email=f"m{i}@example.org", display_name=f"Member {i}") for i in range(members)
    )
    Membership.objects.bulk_create(
        Membership(person=p, hub=hub, role=Role.STAFF if i % 20 == 0 else Role.MEMBER)
        for i, p in enumerate(people)
    )
    now = timezone.now()
    kinds = list(CoKind.values)
    opportunities = Opportunity.objects.bulk_create(
        Opportunity(
            hub=hub,
            kind=kinds[i % len(kinds)],
            title=f"Opportunity {i}",
            description="Benchmark.",
            lead=coordinator,
            created_by=coordinator,
            staff_places=2,
            user_places=30,
            is_recruitment=i % 10 == 0,
            hired=1 if i % 10 == 0 else None,
        )
        for i in range(300)
    )
    sessions = Session.objects.bulk_create(
        Session(
            opportunity=o,
            starts_at=now - datetime.timedelta(days=1 + i % 300),
            ends_at=now - datetime.timedelta(days=1 + i % 300) + datetime.timedelta(hours=2),
        )
        for i, o in enumerate(opportunities)
    )
    signups, pairs = [], set()
    for person in people:
        for _ in range(rng.choice([1, 2, 3, 4, 5])):
            session = rng.choice(sessions)
            if (session.pk, person.pk) in pairs:
                continue
            pairs.add((session.pk, person.pk))
            signups.append(
                SignUp(
                    opportunity_id=session.opportunity_id,
                    person=person,
                    side="user",
                    status="declined",
                )
            )
    signups = SignUp.objects.bulk_create(signups, batch_size=2000)
    by_opportunity = {s.opportunity_id: s for s in sessions}
    thanks = [Recompense.PAYMENT, Recompense.VOUCHER, Recompense.CREDITS, Recompense.DECLINE]
    rows = []
    for signup in signups:
        came = rng.random() > 0.05
        choice = rng.choice(thanks) if came else ""
        rows.append(
            Attendance(
                session=by_opportunity[signup.opportunity_id],
                signup=signup,
                person_id=signup.person_id,
                status="attended" if came else "no_show",
                minutes=120 if came else 0,
                recorded_by=coordinator,
                recompense=choice,
                amount_pence={"payment": 2000, "voucher": 1500}.get(choice, 0),
            )
        )
    Attendance.objects.bulk_create(rows, batch_size=2000)
    return hub, len(rows)


def reference(hub, start, end):
    """Every attendance row of the period read into Python, and counted there."""
    from django.utils import timezone

    from coproduce.involve.models import Attendance

    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    stop = timezone.make_aware(datetime.datetime.combine(end, datetime.time()))
    people, minutes, kinds = set(), 0, {}
    for person, status, length, kind in Attendance.objects.filter(
        session__opportunity__hub=hub, session__starts_at__gte=begin, session__starts_at__lt=stop
    ).values_list("person_id", "status", "minutes", "session__opportunity__kind"):
        if status == "attended":
            people.add(person)
            minutes += length
            kinds.setdefault(kind, set()).add(person)
    return len(people), minutes, {k: len(v) for k, v in kinds.items()}


def timed(function, rounds: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = function()
            times.append(time.perf_counter() - started)
    return statistics.median(times), len(queries), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    setup_django(args.database)
    from django.utils import timezone

    from coproduce.involve import records

    started = time.perf_counter()
    hub, rows = build(args.members)
    built = time.perf_counter() - started
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=365), today
    ours, our_queries, figures = timed(lambda: records.figures_for(hub, start, end), args.rounds)
    ref, ref_queries, (people, minutes, _kinds) = timed(
        lambda: reference(hub, start, end + datetime.timedelta(days=1)), args.rounds
    )
    assert (figures.people, figures.minutes) == (people, minutes), "the figures disagree"
    summary = {
        "database": args.database,
        "members": args.members,
        "attendance_rows": rows,
        "build_seconds": round(built, 1),
        "figures_ms": round(ours * 1000, 1),
        "figures_queries": our_queries,
        "reference_ms": round(ref * 1000, 1),
        "reference_queries": ref_queries,
        "ratio": round(ours / ref, 2),
        "people_involved": figures.people,
    }
    print(
        f"Involvement figures, {args.members:,} members, {rows:,} attendance rows "
        f"({args.database}): {summary['figures_ms']} ms in {our_queries} queries; reading "
        f"every row into Python: {summary['reference_ms']} ms; ratio {summary['ratio']}"
    )
    out = ROOT / "bench" / "results" / f"involve_figures.{args.database}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
