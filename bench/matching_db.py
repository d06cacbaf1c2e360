""" "Who could help" from the database, on a hub of 10,000 members, SQLite and PostgreSQL.

    python bench/matching_db.py            # 10,000 members, 200 needs, both databases
    python bench/matching_db.py --quick    # 2,000 members, 40 needs, for a smoke run

Builds one hub in a new database: members written in bulk through the models
(`coproduce.bulk.insert_rows`; no `save()`, so the word index is then built with
`candidates.index_rebuild`, which is timed) with 1-4 things each can give (the demo's
list), 2-7 free times, a postcode district and for most a neighbourhood (ten, each next
to two others); 35% with a safeguarding check valid today, 5% with an expired one; 2,000
offers in 12 categories; 1,500 offers asked for (commitments); and 20,000 exchanges over
the past year recorded through the time bank's own import service (the ledger), for
give-and-take. Then 200 triaged referrals (in bulk): a category for 90%, a note of one
to three words of what people ask for, an area, preferred times, 40% needing a check.

For each referral, the page's work is timed: `services.match_suggestions` (the top 10
with reasons in words, read from the database), p50 and p95, given the referral as the
referral page reads it (with its hub, area and category) and the coordinator's
membership kept for the request, as the page has them before it asks. The reference in the same
run is the old path for the same referral (every member built as a candidate, then
ranked; `candidates.candidate_pool`, as the page did before), on a sample. Every one of
the 200 rankings is compared with `rank_naive` over every member. Also timed: the
engine's two ways of ranking the members found (the plain loop against NumPy's `Pool`,
which must first be built).

Writes bench/results/matching.json (keys prefixed `db_`; the engine's own keys, from
bench/matching.py, are kept).
"""

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
RESULTS = ROOT / "bench" / "results"
TARGET_P95_MS = 50
OLD_SAMPLE = 8
CATEGORIES = [
    "Phone calls",
    "Shopping",
    "Gardening",
    "Lifts",
    "IT help",
    "Small repairs",
    "Cooking",
    "Reading",
    "Sewing",
    "Music",
    "Company",
    "Forms",
]
NOTES = [
    "weekly phone calls",
    "shopping trips",
    "garden tidying",
    "lifts to appointments",
    "help with forms",
    "company and tea",
    "small repairs at home",
    "reading",
    "cooking",
    "dog walking",
    "IT help with a tablet",
    "English conversation",
]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def setup_django(db: str) -> None:
    folder = tempfile.mkdtemp(prefix="coproduce-matching-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ["COPRODUCE_HOME"] = folder
    if db == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/matching.sqlite3"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, skip_checks=True)


def build(members: int, needs: int, exchanges: int, seed: int = 15):
    from django.utils import timezone

    from coproduce.bulk import insert_rows
    from coproduce.demo.data import ASSETS
    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import (
        AVAILABILITY_CHOICES,
        ConsentRecord,
        Membership,
        Person,
        Role,
        SafeguardingCheck,
    )
    from coproduce.referrals import candidates
    from coproduce.referrals.models import Referral
    from coproduce.timebank import ledger
    from coproduce.timebank import services as timebank
    from coproduce.timebank.models import Account, Exchange, ExchangeParty, Listing
    from coproduce.timebank.services.imports import ExchangeRow

    rng = random.Random(seed)
    now, today = timezone.now(), timezone.localdate()
    operator = Person.objects.create_superuser("op@bench.example", "x", display_name="Op")
    admin = hubs.person_register(email="admin@bench.example", display_name="Admin", password=None)
    hub = hubs.hub_create(actor=operator, slug="bench", name="Bench", purpose="Bench", admin=admin)
    policy = ledger.policy_for(hub)
    policy.floor_minutes, policy.ceiling_minutes = -(10**9), 10**9
    policy.save()
    areas = [hubs.neighbourhood_create(actor=admin, hub=hub, name=f"Area {n}") for n in range(10)]
    for n, area in enumerate(areas):
        area.adjacent.add(areas[(n + 1) % len(areas)])
    categories = [timebank.category_create(actor=admin, hub=hub, name=c) for c in CATEGORIES]
    slots = [slot for slot, _label in AVAILABILITY_CHOICES]
    started = time.perf_counter()
    person_ids = insert_rows(
        Person,
        [
            {
                "email": f"m{n}@bench.example",
                "display_name": f"Member {n}",
                "password": "!",
                "postcode_district": f"MB{rng.randint(1, 9)}",
                "assets": rng.sample(ASSETS, rng.randint(1, 4)),
                "availability": sorted(rng.sample(slots, rng.randint(2, 7))),
            }
            for n in range(members)
        ],
        returning_ids=True,
    )
    membership_ids = insert_rows(
        Membership,
        [
            {
                "person_id": pk,
                "hub_id": hub.pk,
                "role": Role.MEMBER,
                "neighbourhood_id": rng.choice(areas).pk if rng.random() < 0.7 else None,
            }
            for pk in person_ids
        ],
        returning_ids=True,
    )
    account_ids = insert_rows(
        Account,
        [{"hub_id": hub.pk, "kind": "member", "membership_id": pk} for pk in membership_ids],
        returning_ids=True,
    )
    insert_rows(
        SafeguardingCheck,
        [
            {
                "person_id": pk,
                "hub_id": hub.pk,
                "check_type": "dbs_enhanced",
                "reference": "x",
                "issued_on": today - datetime.timedelta(days=400),
                "expires_on": today
                + datetime.timedelta(days=rng.randint(1, 900) if roll < 0.35 else -10),
                "recorded_by_id": admin.pk,
            }
            for pk in person_ids
            if (roll := rng.random()) < 0.4
        ],
    )
    offers = rng.sample(range(members), min(2000, members // 5))
    listing_ids = insert_rows(
        Listing,
        [
            {
                "hub_id": hub.pk,
                "kind": "offer",
                "account_id": account_ids[n],
                "title": rng.choice(ASSETS).capitalize(),
                "category_id": rng.choice(categories).pk,
                "created_by_id": person_ids[n],
            }
            for n in offers
        ],
        returning_ids=True,
    )
    # Commitments: offers asked for and agreed, not yet done.
    asked = rng.sample(list(zip(offers, listing_ids, strict=True)), len(offers) * 3 // 4)
    exchange_ids = insert_rows(
        Exchange,
        [
            {
                "hub_id": hub.pk,
                "listing_id": listing,
                "title": "Asked",
                "status": "agreed",
                "proposed_by_id": admin.pk,
            }
            for _n, listing in asked
        ],
        returning_ids=True,
    )
    parties = []
    for (n, _listing), exchange in zip(asked, exchange_ids, strict=True):
        receiver = account_ids[rng.randrange(members)]
        if receiver == account_ids[n]:
            continue
        parties.append({"exchange_id": exchange, "account_id": account_ids[n], "side": "gives"})
        parties.append({"exchange_id": exchange, "account_id": receiver, "side": "receives"})
    insert_rows(ExchangeParty, parties)
    bulk_s = time.perf_counter() - started
    # Give and take over the past year, through the ledger.
    started = time.perf_counter()
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=account_ids)}
    for first in range(0, exchanges, 2000):
        rows = []
        for line in range(min(2000, exchanges - first)):
            giver, receiver = rng.sample(account_ids, 2)
            rows.append(
                ExchangeRow(
                    line=line + 1,
                    giver=accounts[giver],
                    receiver=accounts[receiver],
                    title="Help",
                    minutes=rng.choice([30, 60, 90, 120, 180]),
                    done_on=today - datetime.timedelta(days=rng.randint(0, 300)),
                )
            )
        timebank.exchanges_import(actor=admin, hub=hub, rows=rows, key=f"sheet{first}")
    exchanges_s = time.perf_counter() - started
    started = time.perf_counter()
    words = candidates.index_rebuild()
    index_s = time.perf_counter() - started
    coordinator = admin
    consent = ConsentRecord.objects.create(
        person=admin, hub=hub, purpose="bench", given=True, method="in_person"
    )
    people = rng.sample(person_ids, needs)
    insert_rows(
        Referral,
        [
            {
                "hub_id": hub.pk,
                "person_id": people[n],
                "referred_by_id": admin.pk,
                "consent_id": consent.pk,
                "category_id": rng.choice(categories).pk if rng.random() < 0.9 else None,
                "description": "Bench",
                "preferred_times": sorted(rng.sample(slots, rng.randint(0, 4))),
                "neighbourhood_id": rng.choice(areas).pk if rng.random() < 0.7 else None,
                "postcode_district": f"MB{rng.randint(1, 9)}",
                "needs_check": rng.random() < 0.4,
                "status": "triaged",
                "shared_note": " and ".join(rng.sample(NOTES, rng.randint(1, 3))),
                "created_at": now,
                "triaged_at": now,
            }
            for n in range(needs)
        ],
    )
    built = {
        "db_bulk_build_s": round(bulk_s, 1),
        "db_exchanges_through_ledger": exchanges,
        "db_exchanges_build_s": round(exchanges_s, 1),
        "db_word_index_rows": words,
        "db_word_index_rebuild_s": round(index_s, 2),
    }
    return hub, coordinator, list(Referral.objects.filter(hub=hub).order_by("pk")), built


def old_suggestions(referral, coordinator, k=10):
    """The page before: every member built as a candidate, then ranked."""
    from django.utils import timezone

    from coproduce.hubs.models import Membership
    from coproduce.referrals import candidates, matching
    from coproduce.referrals.services.offers import describe
    from coproduce.referrals.services.policy import policy_for
    from coproduce.timebank.models import Category

    hub = referral.hub
    cap = policy_for(hub).commitment_cap
    today = timezone.localdate()
    project = referral.project if referral.project_id else None
    pool, areas = candidates.candidate_pool(hub, today=today, project=project)
    need = candidates.need_for(referral, areas, today=today)
    ranked = matching.Pool(pool, load_cap=cap).rank(need, k=k)
    memberships = {
        m.person_id: m
        for m in Membership.objects.filter(
            hub=hub, person_id__in=[r.member_id for r in ranked]
        ).select_related("person", "neighbourhood")
    }
    names = {
        "category_names": dict(Category.objects.filter(hub=hub).values_list("pk", "name")),
        "area_names": {code: name for name, code in areas.codes.items()},
        "load_cap": cap,
    }
    return [
        (memberships[r.member_id].person_id, r.score, [describe(x, **names) for x in r.reasons])
        for r in ranked
    ]


def run_case(db: str, quick: bool) -> dict:
    setup_django(db)
    from django.db import connection
    from django.utils import timezone

    from coproduce.hubs.access import membership_of, memberships_kept
    from coproduce.referrals import candidates, matching, services
    from coproduce.referrals.models import Referral
    from coproduce.referrals.services.policy import policy_for

    members, needs, exchanges = (2_000, 40, 4_000) if quick else (10_000, 200, 20_000)
    hub, coordinator, referrals, built = build(members, needs, exchanges)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    cap = policy_for(hub).commitment_cap
    today = timezone.localdate()
    for referral in referrals[:3]:  # warm up
        services.match_suggestions(actor=coordinator, referral=referral)

    def as_the_page_has_it(referral):
        # The referral page reads the referral (access.referral_for: with its hub, area
        # and category) and the coordinator's membership (kept for the request) before
        # it asks for suggestions: those reads are not the suggestions' work.
        page_query = Referral.objects.select_related(
            "hub", "person", "referred_by", "category", "neighbourhood", "consent"
        )
        return page_query.get(pk=referral.pk)

    page_ms, found = [], []
    for referral in referrals:
        shown = as_the_page_has_it(referral)
        with memberships_kept():
            membership_of(coordinator, shown.hub)
            started = time.perf_counter()
            suggestions = services.match_suggestions(actor=coordinator, referral=shown)
            page_ms.append((time.perf_counter() - started) * 1000)
        found.append([(s.membership.person_id, s.score, s.reasons) for s in suggestions])

    old_ms, same_as_old = [], 0
    step = max(1, len(referrals) // OLD_SAMPLE)
    for index in range(0, len(referrals), step)[:OLD_SAMPLE]:
        started = time.perf_counter()
        old = old_suggestions(referrals[index], coordinator)
        old_ms.append((time.perf_counter() - started) * 1000)
        same_as_old += old == found[index]

    # Every ranking against the reference loop over every member (one pool: no projects),
    # and the engine alone on the members found: the plain loop against NumPy's Pool.
    pool, pool_areas = candidates.candidate_pool(hub, today=today)
    by_id = {c.member_id: c for c in pool}
    same, loop_ms, numpy_ms, hoped, fetched_counts = 0, [], [], [], []
    for referral in referrals:
        # The same day as the pool (a run that passes midnight would otherwise compare
        # checks valid on two different days).
        ranked, areas = candidates.ranked_for(referral, load_cap=cap, today=today)
        need = candidates.need_for(referral, pool_areas, today=today)
        reference = matching.rank_naive(pool, need, k=10, load_cap=cap)
        same += names_of(ranked, areas) == names_of(reference, pool_areas)
        asked = candidates.asked_of(referral, today=today)
        hopes = candidates.hopes_for(asked, hub=hub, areas=pool_areas)
        hoped.append(len(hopes))
        fetched: list[int] = []

        def fetch(ids, fetched=fetched):
            fetched.extend(ids)
            return [by_id[i] for i in ids]

        matching.rank_in_rounds(hopes, need, fetch, load_cap=cap)
        fetched_counts.append(len(fetched))
        found_here = [by_id[h.member_id] for h in hopes]
        started = time.perf_counter()
        plain = matching.rank_naive(found_here, need, k=10, load_cap=cap)
        loop_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        fast = matching.Pool(found_here, load_cap=cap).rank(need, k=10)
        numpy_ms.append((time.perf_counter() - started) * 1000)
        assert plain == fast
    everyone_loop, everyone_numpy = [], []
    for referral in referrals[:20]:
        need = candidates.need_for(referral, pool_areas, today=today)
        started = time.perf_counter()
        matching.rank_naive(pool, need, k=10, load_cap=cap)
        everyone_loop.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        matching.Pool(pool, load_cap=cap).rank(need, k=10)
        everyone_numpy.append((time.perf_counter() - started) * 1000)
    p50, p95 = statistics.median(page_ms), percentile(page_ms, 0.95)
    return {
        "members": members,
        "needs": len(referrals),
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "old_full_rebuild_p50_ms": round(statistics.median(old_ms), 1),
        "old_full_rebuild_needs": len(old_ms),
        "speedup_p50": round(statistics.median(old_ms) / p50, 1),
        "same_as_old_path": f"{same_as_old}/{len(old_ms)}",
        "same_as_rank_naive_over_every_member": f"{same}/{len(referrals)}",
        "members_found_p50": int(statistics.median(hoped)),
        "members_found_max": max(hoped),
        "members_read_in_full_p50": int(statistics.median(fetched_counts)),
        "members_read_in_full_max": max(fetched_counts),
        "rank_found_plain_loop_p95_ms": round(percentile(loop_ms, 0.95), 2),
        "rank_found_numpy_pool_p95_ms": round(percentile(numpy_ms, 0.95), 2),
        "rank_everyone_plain_loop_p50_ms": round(statistics.median(everyone_loop), 1),
        "rank_everyone_numpy_pool_with_build_p50_ms": round(statistics.median(everyone_numpy), 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
        **built,
    }


def names_of(ranked, areas):
    names = {code: name for name, code in areas.codes.items()}
    return [
        (
            r.member_id,
            r.score,
            [
                (x.kind, x.points, names[x.detail[0]] if "area" in x.kind else x.detail)
                for x in r.reasons
            ],
        )
        for r in ranked
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--case", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if args.case:
        result = run_case("postgresql" if args.case == "postgres" else "sqlite", args.quick)
        print(json.dumps(result))
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
    name = "matching.quick.json" if args.quick else "matching.json"
    path = RESULTS / name
    summary = json.loads(path.read_text()) if path.exists() else {}
    summary = {k: v for k, v in summary.items() if not k.startswith("db_")}
    for case, result in outputs.items():
        summary[f"db_{case}"] = result
    summary["db_target"] = f"top 10 with reasons from the database, p95 <= {TARGET_P95_MS} ms"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n")
    ok = True
    for case, r in outputs.items():
        print(
            f"{case}: {r['members']:,} members, {r['needs']} needs: top 10 with reasons from "
            f"the database p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms; the old full rebuild "
            f"p50 {r['old_full_rebuild_p50_ms']} ms ({r['speedup_p50']}x slower); same as "
            f"ranking every member {r['same_as_rank_naive_over_every_member']}, as the old "
            f"path {r['same_as_old_path']}; members found p50 {r['members_found_p50']}, max "
            f"{r['members_found_max']}; ranking them p95: plain loop "
            f"{r['rank_found_plain_loop_p95_ms']} ms, NumPy Pool "
            f"{r['rank_found_numpy_pool_p95_ms']} ms; load average {r['load_average_1min']}."
        )
        ok &= r["p95_ms"] <= TARGET_P95_MS and r["same_as_rank_naive_over_every_member"] == (
            f"{r['needs']}/{r['needs']}"
        )
    print("Target met." if ok else "TARGET MISSED.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
