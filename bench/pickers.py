"""The cost of a people picker's search on a hub of 10,000 members.

    python bench/pickers.py                 # SQLite in a temporary file
    python scripts/with-postgres.py python bench/pickers.py   # PostgreSQL (DATABASE_URL)
    python bench/pickers.py --members 2000  # a smaller hub

The hub's people are written with bulk_create (this measures the search, not how members
join). For a few typical queries (a common letter pair, a surname shared by many, a full
name, no match, a whole email address) it times `pickers.search` as the search endpoint
runs it (at most ten rows, LIMIT 11 to know there are more) and the picker's whole HTML.
The reference in the same run is the old way: every member rendered as an <option> of a
choice field. Writes bench/results/pickers.json (pickers.<db>.json).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = ["Smith", "Jones", "Patel", "Khan", "Williams", "Brown", "Taylor", "Ahmed"]
FIRST = ["John", "Amira", "Sam", "Grace", "Ron", "Priya", "Tunde", "Helen", "Marcus", "Jean"]


def timed(fn, repeat: int) -> dict:
    fn()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("ALLOWED_HOSTS", "bench.example")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    import django

    django.setup()
    from django import forms
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, skip_checks=True)

    from coproduce.hubs import access, pickers
    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Membership, Neighbourhood, Person
    from coproduce.referrals.forms import ReferralForm

    operator = Person.objects.create_superuser("op@bench.example", "x", display_name="Operator")
    admin = hubs.person_register(email="admin@bench.example", display_name="Admin", password=None)
    hub = hubs.hub_create(actor=operator, slug="big", name="Big", purpose="Bench", admin=admin)
    areas = Neighbourhood.objects.bulk_create(
        Neighbourhood(hub=hub, name=f"Ward {i}") for i in range(20)
    )
    people = Person.objects.bulk_create(
        Person(
            display_name=f"{FIRST[i % len(FIRST)]} {SURNAMES[(i // 10) % len(SURNAMES)]} {i}",
            email=None if i % 7 == 0 else f"person{i}@bench.example",
        )
        for i in range(args.members)
    )
    Membership.objects.bulk_create(
        Membership(hub=hub, person=p, neighbourhood=areas[i % len(areas)])
        for i, p in enumerate(people)
    )
    purpose = pickers.purpose_named("referral-person")
    middle = people[args.members // 2]
    queries = {
        "two letters": "jo",
        "a common surname": "smith",
        "a full name": middle.display_name,
        "no match": "zzqx",
        "an email (staff)": "person78@bench.example",
    }
    results = {}
    for label, query in queries.items():

        def run(q=query):
            return pickers.search(hub, purpose, hub, q, email=True, limit=pickers.LIMIT + 1)

        with CaptureQueriesContext(connection) as captured:
            rows = run()
        results[label] = {
            "query": query,
            "found": len(rows[: pickers.LIMIT]),
            "queries": len(captured),
            **timed(run, args.repeat),
        }

    def picker_html(q="smith"):
        form = ReferralForm({"person__q": q, "_find": "person"}, hub=hub)
        form.is_valid()
        return str(form["person"])

    def old_select():
        field = forms.ModelChoiceField(
            queryset=Person.objects.filter(
                pk__in=access.active_members(hub).values("person_id")
            ).order_by("display_name", "id")
        )
        return forms.Select(choices=field.choices).render("person", None)

    picker = {"bytes": len(picker_html().encode()), **timed(picker_html, args.repeat // 4)}
    old = {"bytes": len(old_select().encode()), **timed(old_select, 5)}
    summary = {
        "database": connection.vendor,
        "members": args.members,
        "search": results,
        "picker_with_matches": picker,
        "reference_every_member_as_option": old,
        "ratio_picker_to_options": round(picker["p50_ms"] / old["p50_ms"], 4),
    }
    out = ROOT / "bench" / "results" / f"pickers.{connection.vendor}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")
    for label, row in results.items():
        print(
            f"{label:>18}: {row['found']:>2} found, {row['queries']} query, "
            f"p50 {row['p50_ms']:.2f} ms, p95 {row['p95_ms']:.2f} ms"
        )
    print(
        f"picker with matches: {picker['bytes']:,} bytes, p50 {picker['p50_ms']:.2f} ms; "
        f"every member as an option: {old['bytes']:,} bytes, p50 {old['p50_ms']:.2f} ms"
    )
    print(f"wrote {out.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
