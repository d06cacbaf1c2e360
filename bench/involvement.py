"""The involvement bank at scale: the monthly packs for every member of a big hub, and
the fair shortlist of an opportunity a thousand people asked for.

    python bench/involvement.py            # 10,000 members; 1,000 asking (SQLite)
    python bench/involvement.py --quick    # 1,000 members; 200 asking, for CI

Builds a hub of that many members (written in bulk: the packs read them, they do not
care how they came), each wanting a monthly pack of some kinds, and 30 open
opportunities (a third needing training, some a safeguarding check). Then times:

- `packs_make`, the hourly tick's pack run, against the reference of what it cannot
  avoid: telling each of the same people once (`notify.tell`, one notification and one
  email each). The ratio says what choosing each pack's contents costs on top.
- `selectors.shortlist_for` over the people asking, against a bare read of their
  sign-ups: the cost of ranking them fairly, with reasons.

Writes bench/results/involvement.json (or involvement.quick.json).
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup(database: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("ALLOWED_HOSTS", "bench.example")
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def build(members: int, asking: int):
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0, skip_checks=True)
    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Membership, Person, Role
    from coproduce.involve import services
    from coproduce.involve.models import CoKind, InvolvementChoice, Joining, SignUp, Training

    operator = Person.objects.create_superuser("op@bench.example", "x", display_name="Op")
    admin = hubs.person_register(email="admin@bench.example", display_name="Admin", password=None)
    hub = hubs.hub_create(actor=operator, slug="bench", name="Bench", purpose="Bench", admin=admin)
    staff = hubs.person_register(email="lead@bench.example", display_name="Lead", password=None)
    hubs.membership_add(actor=admin, hub=hub, person=staff, role=Role.STAFF)
    people = Person.objects.bulk_create(
        Person(email=f"m{n}@bench.example", display_name=f"Member {n}") for n in range(members)
    )
    Membership.objects.bulk_create(Membership(person=p, hub=hub) for p in people)
    kinds = list(CoKind.values)
    InvolvementChoice.objects.bulk_create(
        InvolvementChoice(person=p, hub=hub, kinds=kinds[n % 7 : n % 7 + 3], how_often="monthly")
        for n, p in enumerate(people)
    )
    today = timezone.localdate()
    Training.objects.bulk_create(
        Training(hub=hub, person=p, name="Panel training", trained_on=today, recorded_by=admin)
        for p in people[::3]
    )
    start = timezone.now() + datetime.timedelta(days=10)
    opportunities = []
    for n in range(30):
        opportunities.append(
            services.opportunity_create(
                actor=staff,
                hub=hub,
                kind=kinds[n % 7],
                title=f"Opportunity {n}",
                description="Help run the service.",
                lead=staff,
                meetings=[(start, start + datetime.timedelta(hours=2))],
                user_places=3,
                joining=Joining.REQUEST,
                training="Panel training" if n % 3 == 0 else "",
            )
        )
    popular = opportunities[1]
    SignUp.objects.bulk_create(
        SignUp(opportunity=popular, person=p, side="user", status="requested")
        for p in people[:asking]
    )
    return hub, people, popular


def timed(action, rounds: int = 1) -> list[float]:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return times


def run(members: int, asking: int, out: Path) -> dict:
    from django.db import transaction

    hub, people, popular = build(members, asking)
    from coproduce.involve import selectors
    from coproduce.involve.models import Pack
    from coproduce.involve.services import sweeps
    from coproduce.notify.models import Kind, Notification
    from coproduce.notify.services import tell

    def reference():
        with transaction.atomic():
            tell(
                people,
                kind=Kind.INVOLVEMENT_NEWS,
                hub=hub,
                subject="Your involvement pack",
                template="involve/email/cancelled.txt",
                context={"opportunity": popular, "reason": "A reference message."},
            )

    [tell_ms] = timed(reference)
    Notification.objects.all().delete()
    [packs_ms] = timed(sweeps.packs_make)
    packs = Pack.objects.count()
    offered = Pack.objects.filter(opportunities__isnull=False).distinct().count()
    [again_ms] = timed(sweeps.packs_make)  # made already: nothing to do
    bare = timed(lambda: list(popular.signups.values("id", "person_id", "asked_at")), 5)
    ranked = timed(lambda: selectors.shortlist_for(popular), 5)
    result = {
        "members": members,
        "asking": asking,
        "packs_made": packs,
        "packs_with_something": offered,
        "packs_ms": round(packs_ms, 1),
        "tell_everyone_ms": round(tell_ms, 1),
        "packs_over_tell": round(packs_ms / tell_ms, 2),
        "packs_again_ms": round(again_ms, 1),
        "shortlist_p50_ms": round(statistics.median(ranked), 1),
        "bare_read_p50_ms": round(statistics.median(bare), 1),
        "shortlist_over_bare": round(statistics.median(ranked) / statistics.median(bare), 1),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    members, asking = (1_000, 200) if args.quick else (10_000, 1_000)
    out = RESULTS / ("involvement.quick.json" if args.quick else "involvement.json")
    with tempfile.TemporaryDirectory() as folder:
        setup(str(Path(folder) / "bench.sqlite3"))
        result = run(members, asking, out)
    print(f"Involvement at {members:,} members (SQLite):")
    print(
        f"  monthly packs: {result['packs_made']:,} made ({result['packs_with_something']:,} "
        f"with something in them) in {result['packs_ms'] / 1000:.1f} s; telling the same "
        f"people once takes {result['tell_everyone_ms'] / 1000:.1f} s: "
        f"{result['packs_over_tell']}x. Run again: {result['packs_again_ms']:.0f} ms."
    )
    print(
        f"  shortlist of {asking:,} asking: p50 {result['shortlist_p50_ms']} ms; a bare read "
        f"of their sign-ups {result['bare_read_p50_ms']} ms: {result['shortlist_over_bare']}x."
    )
    print(f"  written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
