"""Reports at scale: the Open311 request list and the pledge scorecard over 100,000 reports.

    python bench/reports.py            # 100,000 reports over 20 categories and a year
    python bench/reports.py --quick    # 10,000 reports, for a smoke run

Builds its own SQLite database (a file under a new temporary folder), with one hub, one
published pledge of 20 categories and 100,000 reports made over the past year (written
in bulk through the models with `coproduce.bulk.insert_rows`: about 80% closed, most on
time; the rest open, some overdue; 3% disputed by the reporter and reopened).

- `GET /open311/v2/requests.json` through the real view (Django's test client: URL
  routing, middleware, the view and JSON rendering), three ways: the default window (the
  last 90 days, first 1,000), filtered by `service_code` and `status=open`, and the
  second page of 1,000 (`page=2&page_size=1000`). Its reference in the same run is one
  plain SQL query for the same rows (the same columns, window, filters, order and page),
  fetched with a cursor. p50 and p95 over every request.
- The scorecard of the whole hub (`pledges.selectors.hub_scorecards`: one query for all
  reports, then the pure engine), median of three runs; its reference is one SQL
  GROUP BY counting reports, closed and fixed on time per category and month.

If this installation has no Open311 server (no view at /open311/v2/requests.json), only
the scorecard is measured and the summary says so.

Writes bench/results/reports.json (the quick run writes reports.quick.json beside it).
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
sys.path.insert(0, str(ROOT / "src"))
RESULTS = ROOT / "bench" / "results" / "reports.json"
QUICK_RESULTS = ROOT / "bench" / "results" / "reports.quick.json"
CATEGORIES = 20
BATCH = 5_000
REQUESTS_EACH = 60  # timed requests per kind of query (after WARM_UP)
WARM_UP = 3
TARGET_P95_MS = 50
TARGET_SCORECARD_S = 1.0
REQUESTS_PATH = "/open311/v2/requests.json"
HOST = "bench.example"


def setup_django(folder: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    # Production-like: DEBUG off (no query log). Mail goes to memory, not a server.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ["ALLOWED_HOSTS"] = HOST
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/reports.sqlite3"
    os.environ["COPRODUCE_HOME"] = str(folder)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("migrate", verbosity=0, skip_checks=True)


def build(reports: int, seed: int = 14):
    """One hub, a published pledge of 20 categories, and `reports` reports over a year."""
    from django.utils import timezone

    from coproduce.bulk import insert_rows
    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Person
    from coproduce.pledges.models import (
        Pledge,
        PledgeCategory,
        PledgeStatus,
        Report,
        ReportFeedback,
    )

    rng = random.Random(seed)
    operator = Person.objects.create_superuser("op@bench.example", "x", display_name="Op")
    admin = hubs.person_register(email="admin@bench.example", display_name="Admin", password=None)
    hub = hubs.hub_create(actor=operator, slug="bench", name="Bench", purpose="Bench", admin=admin)
    pledge = Pledge.objects.create(
        hub=hub, slug="repairs", title="Repairs", status=PledgeStatus.PUBLISHED
    )
    # Targets from 4 hours to 20 days, as hours after the report (the benchmark measures
    # reading, so expected dates are simple offsets rather than working-calendar dates).
    targets = [4, 24, 48, 72, 120, 240, 480][:CATEGORIES]
    categories = [
        PledgeCategory.objects.create(
            pledge=pledge,
            code=f"bench-{n:02d}",
            name=f"Category {n}",
            commitment="Fixed in time",
            target_amount=targets[n % len(targets)],
            target_unit="working_hours",
        )
        for n in range(CATEGORIES)
    ]
    now = timezone.now()
    year = 365 * 24 * 3600
    closed_statuses = ["fixed"] * 8 + ["not_responsible", "duplicate", "no_further_action"]
    open_statuses = ["new", "acknowledged", "in_progress", "action_scheduled"]
    started = time.perf_counter()
    disputed_ids = []
    for first in range(0, reports, BATCH):
        rows = []
        for _ in range(min(BATCH, reports - first)):
            category = categories[rng.randrange(CATEGORIES)]
            created = now - datetime.timedelta(seconds=rng.randrange(year))
            expected = created + datetime.timedelta(hours=category.target_amount)
            closed, status, reopened = None, rng.choice(open_statuses), 0
            roll = rng.random()
            if roll < 0.8 or expected < now - datetime.timedelta(days=60):
                # Closed: four in five by the expected date.
                hours = category.target_amount * (
                    rng.uniform(0.1, 1.0) if rng.random() < 0.8 else rng.uniform(1.01, 3.0)
                )
                closed = min(created + datetime.timedelta(hours=hours), now)
                status = rng.choice(closed_statuses)
                if rng.random() < 0.03:
                    reopened = 1
            rows.append(
                {
                    "hub_id": hub.pk,
                    "category_id": category.pk,
                    "description": "A problem reported for the benchmark.",
                    "address": f"{rng.randrange(1, 200)} Bench Road",
                    "target": f"within {category.target_amount} working hours",
                    "status": status,
                    "expected_at": expected,
                    "created_at": created,
                    "updated_at": closed or created,
                    "closed_at": closed,
                    "reopened": reopened,
                    "source": "web",
                }
            )
        ids = insert_rows(Report, rows, returning_ids=True)
        disputed_ids += [pk for pk, row in zip(ids, rows, strict=True) if row["reopened"]]
    insert_rows(
        ReportFeedback,
        [{"report_id": pk, "fixed": False, "created_at": now} for pk in disputed_ids],
    )
    return hub, categories, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def requests_case(hub, categories) -> dict | None:
    """p50/p95 of the Open311 request list through the real view, and of the same rows by
    plain SQL; None when there is no Open311 server here."""
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, resolve
    from django.utils import timezone

    try:
        resolve(REQUESTS_PATH)
    except Resolver404:
        return None
    client = Client(HTTP_HOST=HOST)
    code = categories[3].code
    since = timezone.now() - datetime.timedelta(days=90)
    open_family = ["new", "acknowledged", "investigating", "in_progress", "action_scheduled"]
    # name: (query parameters, extra SQL, its arguments, offset)
    kinds = {
        "default window": ({}, "", [], 0),
        "service_code and status": (
            {"service_code": code, "status": "open"},
            "AND c.code = %s AND r.status IN (%s, %s, %s, %s, %s)",
            [code, *open_family],
            0,
        ),
        "page 2 of 1,000": ({"page": 2, "page_size": 1000}, "", [], 1000),
    }
    timings, reference, returned = [], [], {}
    for name, (params, extra_sql, extra_args, offset) in kinds.items():
        query = {"jurisdiction_id": hub.slug, **params}
        sql = (
            "SELECT r.id, r.status, r.status_note, c.code, c.name, r.description, r.address, "  # noqa: S608 (fixed text; values are parameters)
            "r.lat, r.long, r.created_at, r.updated_at, r.expected_at "
            "FROM pledges_report r JOIN pledges_pledgecategory c ON c.id = r.category_id "
            f"WHERE r.hub_id = %s AND r.created_at >= %s {extra_sql} "
            "ORDER BY r.created_at DESC, r.id DESC LIMIT 1000 OFFSET %s"
        )
        args = [hub.pk, since, *extra_args, offset]
        for n in range(WARM_UP + REQUESTS_EACH):
            started = time.perf_counter()
            response = client.get(REQUESTS_PATH, query, secure=True)
            body = response.content
            took = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{name}: {response.status_code} {body[:300]!r}")
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, args)
                rows = cursor.fetchall()
            plain = (time.perf_counter() - started) * 1000
            if n >= WARM_UP:
                timings.append(took)
                reference.append(plain)
        returned[name] = {"view": len(json.loads(body)), "reference": len(rows)}
    return {
        "requests_p50_ms": round(statistics.median(timings), 2),
        "requests_p95_ms": round(percentile(timings, 0.95), 2),
        "reference_p50_ms": round(statistics.median(reference), 2),
        "reference_p95_ms": round(percentile(reference, 0.95), 2),
        "requests_timed": len(timings),
        "rows_returned": returned,
    }


def scorecard_case(hub) -> dict:
    from django.db import connection

    from coproduce.pledges import selectors

    runs, cards = [], None
    for _ in range(3):
        started = time.perf_counter()
        cards = selectors.hub_scorecards(hub)
        runs.append(time.perf_counter() - started)
    references = []
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT category_id, strftime('%%Y-%%m', created_at), count(*), "
                "sum(closed_at IS NOT NULL), "
                "sum(status = 'fixed' AND closed_at <= expected_at) "
                "FROM pledges_report WHERE hub_id = %s GROUP BY 1, 2",
                [hub.pk],
            )
            cursor.fetchall()
        references.append(time.perf_counter() - started)
    [card] = cards
    return {
        "scorecard_s": round(statistics.median(runs), 3),
        "scorecard_reference_s": round(statistics.median(references), 3),
        "scorecard_months": len(card.card.months),
        "scorecard_kept_share": round(card.card.total.share_kept, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 reports, a smoke run")
    args = parser.parse_args()
    reports = 10_000 if args.quick else 100_000
    folder = Path(tempfile.mkdtemp(prefix="coproduce-bench-reports-"))
    setup_django(folder)
    hub, categories, build_s = build(reports)
    print(f"Built {reports:,} reports over {CATEGORIES} categories in {build_s:.1f} s.")
    result = {"reports": reports}
    requests = requests_case(hub, categories)
    if requests is None:
        print(
            f"NO OPEN311 SERVER: {REQUESTS_PATH} does not resolve here, so only the "
            "scorecard is measured (requests_p95_ms and reference_p95_ms are null)."
        )
        result |= {"requests_p95_ms": None, "reference_p95_ms": None}
    else:
        result |= requests
    result |= scorecard_case(hub)
    result["build_s"] = round(build_s, 1)
    result["database"] = "SQLite"
    result["target"] = f"requests p95 <= {TARGET_P95_MS} ms, scorecard <= {TARGET_SCORECARD_S} s"
    out = QUICK_RESULTS if args.quick else RESULTS
    out.write_text(json.dumps(result, indent=2) + "\n")
    if requests is not None:
        met = "met" if result["requests_p95_ms"] <= TARGET_P95_MS else "NOT MET"
        print(
            f"GET {REQUESTS_PATH}: p50 {result['requests_p50_ms']} ms, "
            f"p95 {result['requests_p95_ms']} ms (target {TARGET_P95_MS} ms: {met}); "
            f"plain SQL p50 {result['reference_p50_ms']} ms, p95 {result['reference_p95_ms']} ms."
        )
    met = "met" if result["scorecard_s"] <= TARGET_SCORECARD_S else "NOT MET"
    print(
        f"Scorecard of {reports:,} reports: {result['scorecard_s']} s "
        f"(target {TARGET_SCORECARD_S} s: {met}); SQL GROUP BY reference "
        f"{result['scorecard_reference_s']} s."
    )
    print(f"Written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
