"""A big hub for the benchmarks: 10,000 members, built through the services.

    python bench/bighub.py                  # build (or find) the 10,000-member hub on SQLite
    python bench/bighub.py --members 300    # a small one, for a smoke run
    python bench/bighub.py --database-url postgres://...   # build it there (no cache)

Starts from the permission matrix's Millbrook (tests/matrix_objects.py: the personas
member, staff, coordinator, admin, an outsider of Northfield, and one object of each kind),
then grows Millbrook through the services:

- members join (`person_register`, `membership_add`, `profile_update` with what they can
  give and their postcode district), and a few people ask to join (`join_request_create`);
- 2,000 listings (`listing_create`) and 50,000 exchanges recorded by the coordinator from
  time sheets (`exchanges_import`, 1,000 a sheet), all in the ledger;
- 500 referrals by the staff persona (`referral_create`), half of them triaged, some left
  for a month and escalated by the failsafe's sweep;
- a conversation of 60 statements; 2,000 people vote on 50 each (`votes_cast`), 100,000
  votes, in three outlooks so the analysis has groups to find; the analysis runs once at
  the end (during the build, tasks are not run per vote);
- 500 reports on the matrix's published pledge (`report_create`), a fifth of them fixed.

Counts scale with --members (10,000 is the reference). Seeded: the same arguments build
the same hub. `ledger verify` must pass on it (checked at the end).

SQLite builds are cached: the database file and the matrix objects (pickled) are kept in
$BIGHUB_CACHE (default: /tmp/coproduce-bighub), under a name made of the member count, the
seed, BUILDER_VERSION and a hash of every migration file, so a second run reuses them and
a change of schema or of this builder makes a new one. Callers copy the file before
writing to it (see `sqlite_copy`). Other benchmarks import `build_cached` or `build`.

When only migrations have changed since a hub was built, the newest earlier hub of the
same size, seed and builder is upgraded instead (copied and migrated, as a real hub
would be; the data migrations fill what the new schema keeps), which takes under a minute
rather than the 40 of a build. Pass --rebuild to build from scratch.
"""

import argparse
import contextlib
import datetime
import hashlib
import os
import pickle
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (str(ROOT / "src"), str(ROOT)):
    if path not in sys.path:
        sys.path.insert(0, path)

BUILDER_VERSION = 1
SEED = 15
REFERENCE_MEMBERS = 10_000
HOST = "127.0.0.1"
STATEMENTS = 60
VOTES_EACH = 50
DISTRICTS = ["MB1", "MB2", "MB3", "MB4"]
ASSETS = [
    "gardening",
    "phone calls",
    "lifts",
    "shopping",
    "cooking",
    "dog walking",
    "tech help",
    "reading",
    "DIY and small repairs",
    "befriending",
    "sewing",
    "bike repairs",
]
FIRST = [
    "Aisha",
    "Ben",
    "Carol",
    "Dev",
    "Ellie",
    "Farid",
    "Gwen",
    "Hassan",
    "Irene",
    "Jamal",
    "Kath",
    "Liam",
    "Maya",
    "Nasra",
]
LAST = [
    "Adams",
    "Begum",
    "Clarke",
    "Doyle",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Patel",
]
TOPICS = ["the coffee morning", "lifts to appointments", "the garden club", "phone friends",
          "the repair café", "reading with children", "the walking group", "tech help",
          "the food bank", "home visits"]  # fmt: skip
ACTIONS = ["run every week", "get more volunteers", "be advertised in the surgery",
           "be open on Saturdays"," earn double hours"," have a named coordinator"]  # fmt: skip


def scale(members: int) -> dict:
    """What a hub of `members` holds: the reference counts, in proportion."""
    share = members / REFERENCE_MEMBERS
    return {
        "members": members,
        "exchanges": max(200, round(50_000 * share)),
        "listings": max(20, round(2_000 * share)),
        "referrals": max(10, round(500 * share)),
        "escalated": max(2, round(50 * share)),
        "voters": max(10, members // 5),
        "reports": max(10, round(500 * share)),
        "join_requests": max(2, round(50 * share)),
    }


def migration_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "coproduce").glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_dir() -> Path:
    return Path(os.environ.get("BIGHUB_CACHE") or Path(tempfile.gettempdir()) / "coproduce-bighub")


def cache_name(members: int, seed: int = SEED) -> str:
    return f"bighub-{members}-s{seed}-v{BUILDER_VERSION}-{migration_hash()}"


def setup_django(database_url: str, home: Path) -> None:
    """Production-like settings (DEBUG off) on this database; mail to memory."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ["ALLOWED_HOSTS"] = f"{HOST},localhost,testserver"
    os.environ["DATABASE_URL"] = database_url
    os.environ["COPRODUCE_HOME"] = str(home)
    import django
    from django.conf import settings

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    django.setup()


def build(members: int, seed: int = SEED, say=print) -> tuple[object, dict]:
    """Build the hub in the configured database (migrated, empty). Returns the matrix
    objects (tests.matrix_objects.Things, with the big conversation) and what was built,
    with seconds per step."""
    from django.core import mail
    from django.test.utils import override_settings

    counts = scale(members)
    steps: dict[str, float] = {}
    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        _tasks_not_run(),
    ):
        started = time.perf_counter()
        from tests import matrix_objects

        things = matrix_objects.build()
        steps["matrix objects"] = time.perf_counter() - started
        rng = random.Random(seed)
        for name, step in (
            ("members", _members),
            ("listings", _listings),
            ("exchanges", _exchanges),
            ("referrals", _referrals),
            ("conversation", _conversation),
            ("reports", _reports),
        ):
            started = time.perf_counter()
            step(things, counts, rng)
            mail.outbox = []
            _forget_tasks()
            steps[name] = round(time.perf_counter() - started, 1)
            say(f"  {name}: {steps[name]} s", flush=True)
    from coproduce.timebank import ledger

    report = ledger.verify(things.world.hub)
    if not report.ok:
        raise SystemExit(f"ledger verify failed: {report.problems[:5]}")
    from coproduce.deliberation.models import Vote
    from coproduce.hubs.models import Membership

    built = {
        **counts,
        "members": Membership.objects.filter(hub=things.world.hub, is_active=True).count(),
        "votes": Vote.objects.filter(statement__conversation=things.conversation).count(),
        "ledger_entries": report.entries,
        "seconds": steps,
    }
    return things, built


@contextlib.contextmanager
def _tasks_not_run():
    """Votes are cast by the thousand: tasks (the analysis after each vote) are queued
    nowhere during the build, and the analysis runs once at the end instead."""
    from django.conf import settings
    from django.tasks import task_backends
    from django.utils.connection import Local

    def reset():
        task_backends.__dict__.pop("settings", None)
        task_backends._settings = None
        task_backends._connections = Local(task_backends.thread_critical)

    before = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    reset()
    try:
        yield
    finally:
        settings.TASKS = before
        reset()


def _forget_tasks() -> None:
    from django.tasks import task_backends

    backend = task_backends["default"]
    if hasattr(backend, "clear"):
        backend.clear()


def _members(things, counts, rng) -> None:
    from django.db import transaction

    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Membership

    world = things.world
    hub = world.hub
    have = Membership.objects.filter(hub=hub, is_active=True).count()
    n = 0
    started = time.perf_counter()
    while have < counts["members"]:
        if n and n % 2000 == 0:
            print(f"    {have:,} members, {time.perf_counter() - started:.0f} s", flush=True)
        with transaction.atomic():
            for _ in range(min(500, counts["members"] - have)):
                n += 1
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}"
                person = hubs.person_register(
                    email=f"m{n}@bighub.example", display_name=name, password=None
                )
                hubs.membership_add(actor=world.admin, hub=hub, person=person)
                hubs.profile_update(
                    actor=world.coordinator,
                    person=person,
                    hub=hub,
                    changes={
                        "assets": rng.sample(ASSETS, rng.randint(1, 3)),
                        "postcode_district": rng.choice(DISTRICTS),
                    },
                )
                have += 1
    for k in range(counts["join_requests"]):
        person = hubs.person_register(
            email=f"asks{k}@bighub.example", display_name=f"Asking Person {k}", password=None
        )
        hubs.join_request_create(person=person, hub=hub, message="I would like to help.")


def _member_accounts(things):
    from coproduce.hubs.models import Membership, Role
    from coproduce.timebank import services as timebank

    memberships = (
        Membership.objects.filter(hub=things.world.hub, is_active=True, role=Role.MEMBER)
        .exclude(person__email="")
        .select_related("person")
        .order_by("id")
    )
    return [timebank.account_for_membership(m) for m in memberships]


def _listings(things, counts, rng) -> None:
    from django.db import transaction

    from coproduce.timebank import services as timebank
    from coproduce.timebank.models import ListingKind

    world = things.world
    categories = [
        timebank.category_create(actor=world.coordinator, hub=world.hub, name=name)
        for name in ("Befriending", "Lifts", "Gardening", "Shopping", "Tech help", "Odd jobs")
    ]
    accounts = _member_accounts(things)
    with transaction.atomic():
        for n in range(counts["listings"]):
            account = rng.choice(accounts)
            timebank.listing_create(
                actor=account.membership.person,
                account=account,
                kind=ListingKind.OFFER if rng.random() < 0.6 else ListingKind.REQUEST,
                title=f"{rng.choice(ASSETS).capitalize()} ({n})",
                category=rng.choice(categories),
                postcode_district=rng.choice(DISTRICTS),
            )


def _exchanges(things, counts, rng) -> None:
    from django.utils import timezone

    from coproduce.timebank import services as timebank
    from coproduce.timebank.services.imports import ExchangeRow

    world = things.world
    timebank.policy_update(
        actor=world.coordinator,
        hub=world.hub,
        floor_minutes=-500 * 60,
        ceiling_minutes=5000 * 60,
        limits_are_hard=True,
        opening_grant_minutes=60,
        auto_confirm_days=14,
    )
    accounts = _member_accounts(things)
    today = timezone.localdate()
    total, sheet = counts["exchanges"], 1000
    for first in range(0, total, sheet):
        rows = []
        for line in range(min(sheet, total - first)):
            giver, receiver = rng.sample(accounts, 2)
            rows.append(
                ExchangeRow(
                    line=line + 2,
                    giver=giver,
                    receiver=receiver,
                    title=f"{rng.choice(ASSETS).capitalize()}",
                    minutes=rng.choice([30, 45, 60, 60, 60, 90, 120]),
                    done_on=today - datetime.timedelta(days=rng.randrange(365)),
                )
            )
        timebank.exchanges_import(
            actor=world.coordinator, hub=world.hub, rows=rows, key=f"bighub-sheet-{first}"
        )


def _referrals(things, counts, rng) -> None:
    from django.db import transaction
    from django.utils import timezone

    from coproduce.hubs.models import ConsentMethod
    from coproduce.referrals import escalations
    from coproduce.referrals import services as referrals
    from coproduce.referrals.models import Referral

    world = things.world
    consent = referrals.Consent(
        given=True,
        given_by="The person themselves",
        method=ConsentMethod.IN_PERSON,
        given_on=timezone.localdate(),
        purpose="To be referred to the time bank and rung by a volunteer",
    )
    accounts = _member_accounts(things)
    made = []
    with transaction.atomic():
        for n in range(counts["referrals"]):
            extra = (
                {"person": rng.choice(accounts).membership.person}
                if n % 5 < 2
                else {"new_person": {"display_name": f"Referred Person {n}", "phone": ""}}
            )
            referral = referrals.referral_create(
                actor=world.staff,
                hub=world.hub,
                consent=consent,
                description=f"Lonely and housebound; would like {rng.choice(ASSETS)}.",
                urgency=rng.choice(["routine", "soon"]),
                postcode_district=rng.choice(DISTRICTS),
                **extra,
            )
            made.append(referral)
        for referral in made[::2]:
            referrals.referral_triage(
                actor=world.coordinator,
                referral=referral,
                shared_note="Would love a weekly chat.",
                assets=[rng.choice(ASSETS)],
                needs_check=False,
            )
    # Left for a month: the failsafe's sweep escalates them (as tests/matrix_objects.py).
    forgotten = [r.pk for r in made[1::2][: counts["escalated"]]]
    Referral.objects.filter(pk__in=forgotten).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    escalations.sweep(hub=world.hub)


def _statement_texts(count: int) -> list[str]:
    texts = []
    for n in range(count):
        topic, action = TOPICS[n % len(TOPICS)], ACTIONS[(n // len(TOPICS)) % len(ACTIONS)]
        texts.append(f"{topic.capitalize()} should {action.strip()}.")
    return texts


def _conversation(things, counts, rng) -> None:
    from django.db import transaction

    from coproduce.deliberation import services as deliberation
    from coproduce.deliberation.models import VoteValue

    world = things.world
    conversation = deliberation.conversation_create(
        actor=world.coordinator,
        hub=world.hub,
        question="How should the time bank grow next year?",
        seeds=_statement_texts(STATEMENTS),
        anonymous_link=True,
    )
    statements = list(conversation.statements.order_by("pk"))
    leanings = [[rng.random() for _ in statements] for _outlook in range(3)]
    accounts = _member_accounts(things)
    voters = [a.membership.person for a in accounts if a.membership.person_id != world.member.pk]
    voters = voters[: counts["voters"]]
    started = time.perf_counter()
    for first in range(0, len(voters), 100):
        if first and first % 500 == 0:
            print(f"    {first:,} voters, {time.perf_counter() - started:.0f} s", flush=True)
        with transaction.atomic():
            for k, person in enumerate(voters[first : first + 100]):
                leaning = leanings[(first + k) % 3]
                participant = deliberation.participant_for(person, conversation)
                chosen = rng.sample(range(len(statements)), min(VOTES_EACH, len(statements)))
                answers = {}
                for index in chosen:
                    roll = rng.random()
                    answers[statements[index].pk] = (
                        VoteValue.PASS
                        if roll < 0.1
                        else VoteValue.AGREE
                        if roll < 0.1 + 0.9 * leaning[index]
                        else VoteValue.DISAGREE
                    )
                deliberation.votes_cast(participant=participant, answers=answers)
        _forget_tasks()
    deliberation.analysis_refresh(conversation, force=True)
    things.conversation = conversation
    things.statement = statements[0]


def _reports(things, counts, rng) -> None:
    from django.db import transaction

    from coproduce.pledges import services as pledges

    categories = list(things.report_pledge.categories.order_by("pk"))
    accounts = _member_accounts(things)
    with transaction.atomic():
        for n in range(counts["reports"]):
            category = rng.choice(categories)
            report = pledges.report_create(
                category=category,
                description=f"A problem on the estate ({n}).",
                reporter=rng.choice(accounts).membership.person,
                address=f"{rng.randint(1, 200)} High Street",
                attributes=_answers(category, rng),
            )
            if n % 5 == 0:
                pledges.report_update(
                    actor=things.world.staff, report=report, status="fixed", note="Done"
                )


def _answers(category, rng) -> dict:
    """Answers to the category's questions (the first choice of each list)."""
    answers = {}
    for question in getattr(category, "attributes", None) or []:
        if isinstance(question, dict) and question.get("required"):
            values = question.get("values") or [{"key": "x"}]
            first = values[0]
            answers[question["code"]] = first.get("key") if isinstance(first, dict) else first
    return answers


# --- the cache -------------------------------------------------------------------------------


def _earlier_build(folder: Path, members: int, seed: int) -> Path | None:
    """The newest complete hub of this size, seed and builder made under older migrations."""
    found = [
        path
        for path in folder.glob(f"bighub-{members}-s{seed}-v{BUILDER_VERSION}-*.sqlite3")
        if path.with_suffix(".pickle").exists() and path.with_suffix(".json").exists()
    ]
    return max(found, key=lambda path: path.stat().st_mtime, default=None)


def _upgrade_here(database: Path) -> None:
    from django.core.management import call_command

    setup_django(f"sqlite:///{database}", database.parent)
    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("ledger", "verify")
    from django.db import connection

    connection.close()
    with sqlite3.connect(database) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def build_cached(
    members: int, seed: int = SEED, say=print, rebuild: bool = False
) -> tuple[Path, Path, dict]:
    """The SQLite file and the pickled objects of the hub, from the cache or built now (in
    a subprocess, so this process is free to set up Django on a copy). Returns (database,
    objects, what was built)."""
    import json
    import subprocess

    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = cache_name(members, seed)
    database, objects, about = (
        folder / f"{name}.sqlite3",
        folder / f"{name}.pickle",
        folder / f"{name}.json",
    )
    if database.exists() and objects.exists() and about.exists():
        say(f"Reusing the hub built earlier: {database}")
        return database, objects, json.loads(about.read_text())
    earlier = None if rebuild else _earlier_build(folder, members, seed)
    if earlier is not None:
        say(f"Upgrading the hub built earlier ({earlier.name}) by its migrations")
        started = time.perf_counter()
        work = folder / f"{name}.upgrading-{os.getpid()}.sqlite3"
        shutil.copyfile(earlier, work)
        subprocess.run([sys.executable, __file__, "--upgrade", str(work)], check=True)
        os.replace(work, database)
        shutil.copyfile(earlier.with_suffix(".pickle"), objects)
        built = json.loads(earlier.with_suffix(".json").read_text())
        built["upgraded_from"] = earlier.stem
        about.write_text(json.dumps(built))
        say(f"Upgraded in {time.perf_counter() - started:.0f} s")
        return database, objects, built
    say(f"Building a hub of {members:,} members into {database} (cached for later runs)")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--members", str(members), "--seed", str(seed), "--here"],
        check=True,
    )
    say(f"Built in {time.perf_counter() - started:.0f} s")
    return database, objects, json.loads(about.read_text())


def sqlite_copy(database: Path, folder: Path) -> Path:
    """A copy of a cached hub to write to."""
    target = folder / "hub.sqlite3"
    shutil.copyfile(database, target)
    return target


def copy_into(database: Path, database_url: str) -> None:
    """Copy a built SQLite hub into another database (PostgreSQL) with the same
    migrations: migrate it, empty every table, copy every row (COPY), and set the
    sequences after the highest ids. Minutes, where building it again takes half an hour.
    Run in a process whose Django is set up on `database_url`."""
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0, skip_checks=True)
    source = sqlite3.connect(database)
    tables = [
        name
        for (name,) in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'django_migrations' ORDER BY name"
        )
    ]
    existing = set(connection.introspection.table_names())
    tables = [name for name in tables if name in existing]
    with transaction.atomic(), connection.cursor() as cursor:
        quoted = ", ".join(connection.ops.quote_name(name) for name in tables)
        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET TIME ZONE 'UTC'")
        for name in tables:
            columns = [row[1] for row in source.execute(f'PRAGMA table_info("{name}")')]
            kinds = _postgres_kinds(cursor, name)
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            with cursor.cursor.copy(
                f"COPY {connection.ops.quote_name(name)} ({names}) FROM STDIN"
            ) as copy:
                for row in source.execute(f'SELECT {names} FROM "{name}"'):  # noqa: S608
                    copy.write_row(
                        [
                            _to_postgres(value, kinds.get(c))
                            for c, value in zip(columns, row, strict=True)
                        ]
                    )
    models = [m for m in _all_models() if m._meta.db_table in set(tables)]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(_NoStyle(), models):
            cursor.execute(sql)
        # VACUUM too, not only ANALYZE: otherwise autovacuum starts on the freshly
        # copied tables a minute later, while pages are being timed. (Outside a
        # transaction: Django's connection is in autocommit here.)
        cursor.execute("VACUUM ANALYZE")


def _postgres_kinds(cursor, table: str) -> dict[str, str]:
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
        [table],
    )
    return dict(cursor.fetchall())


def _to_postgres(value, kind: str | None):
    if value is None:
        return None
    if kind == "boolean":
        return bool(value)
    if isinstance(value, bytes) and kind != "bytea":
        return value.decode()
    return value


def _all_models():
    from django.apps import apps

    yield from apps.get_models(include_auto_created=True)


class _NoStyle:
    def __getattr__(self, name):
        return lambda text: text


def _build_here(
    members: int, seed: int, database_url: str | None, objects_out: str | None = None
) -> None:
    import json

    from django.core.management import call_command

    folder = cache_dir()
    name = cache_name(members, seed)
    work = folder / f"{name}.building-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    database = work / "hub.sqlite3"
    setup_django(database_url or f"sqlite:///{database}", work)
    call_command("migrate", verbosity=0, skip_checks=True)
    started = time.perf_counter()
    things, built = build(members, seed)
    built["build_seconds"] = round(time.perf_counter() - started, 1)
    print(
        f"Built {built['members']:,} members, {built['votes']:,} votes, "
        f"{built['ledger_entries']:,} ledger entries in {built['build_seconds']} s; "
        "ledger verify: OK",
        flush=True,
    )
    if database_url:  # PostgreSQL (or another database): nothing to cache
        objects = Path(objects_out) if objects_out else work / "objects.pickle"
        objects.write_bytes(pickle.dumps(things))
        objects.with_suffix(".json").write_text(json.dumps(built))
        print(f"Objects in {objects}")
        return
    from django.db import connection

    connection.close()
    with sqlite3.connect(database) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(database, folder / f"{name}.sqlite3")
    (folder / f"{name}.pickle").write_bytes(pickle.dumps(things))
    (folder / f"{name}.json").write_text(json.dumps(built))
    shutil.rmtree(work, ignore_errors=True)


def load_objects(path: Path):
    """The matrix objects of a built hub (after Django is set up)."""
    return pickle.loads(path.read_bytes())  # noqa: S301 (a file this builder wrote)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=REFERENCE_MEMBERS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--database-url", help="build in this (migrated or empty) database; not cached"
    )
    parser.add_argument("--objects-out", help="with --database-url: where to pickle the objects")
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)  # the build itself
    parser.add_argument("--upgrade", help=argparse.SUPPRESS)  # migrate this copy, in this process
    parser.add_argument("--rebuild", action="store_true", help="build even if an older hub exists")
    arguments = parser.parse_args()
    if arguments.upgrade:
        _upgrade_here(Path(arguments.upgrade))
        raise SystemExit(0)
    if not arguments.database_url and not arguments.here:
        build_cached(arguments.members, arguments.seed, rebuild=arguments.rebuild)
        raise SystemExit(0)
    _build_here(arguments.members, arguments.seed, arguments.database_url, arguments.objects_out)
