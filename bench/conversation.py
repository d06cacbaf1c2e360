"""A conversation of 2,000 people and about 100,000 votes, served as in production.

    python bench/conversation.py            # 2,000 people, ~100,000 votes; SQLite, then PostgreSQL
    python bench/conversation.py --quick    # 200 people, ~10,000 votes; SQLite only (a smoke run)
    python bench/conversation.py --tasks database   # refreshes run by `coproduce db_worker`

Each database is measured in its own process (PostgreSQL in a throw-away cluster from
scripts/with-postgres.py), on a new database:

- Built through the services: a hub, its members (`person_register`, `membership_add`),
  a conversation of 60 statements (`conversation_create`). The people's places and their
  votes are then written in bulk (`coproduce.bulk.insert_rows`; 100,000 votes through
  `vote_cast` one by one would take most of the run), three opinion groups, each person
  voting on 40 to 60 statements; the running tallies are then rebuilt from the log by the
  service that does it after an import (`tallies_rebuild`), checked against a recount,
  and the analysis run once (`analysis_refresh`).
- Served by gunicorn (2 workers of 4 threads, DEBUG off, collected static files,
  DATABASE_CONN_MAX_AGE=60 as docs/operations.md serves it), with the configuration
  under test: TASKS_BACKEND immediate (the default: a refresh runs in the web process
  after the response) or database (with `coproduce db_worker`), and
  ANALYSIS_MIN_INTERVAL_SECONDS=5.
- One client, in turn: the sign-in page (the reference), the conversation's vote page
  and its report, each as a signed-in member, then votes one at a time; p50 over every
  request, and each as a multiple of the sign-in page.
- Eight clients voting at once, each a different member going through the statements
  as the page offers them (the voting card, as htmx asks for it, with the card's
  idempotency key as a browser sends the form) and then changing their votes, twice:
  back to back for 20 seconds (each sends its next vote as soon as the last answer
  came: the saturation figure), then eight other members for 60 seconds pausing 1 to 3
  seconds (seeded) between an answer and their next vote, as people who read each
  statement before voting (the target, p50 under 100 ms, is judged on this run). For
  each: each vote's time (p50, p95), votes per second, and, sampled every 0.2 s, how far
  the analysis is behind (votes since it began; with the database backend, refresh
  tasks waiting); after the last vote, how long until the analysis has seen every vote;
  the machine's load average before and after.
- At the end the tallies are checked against a recount of the whole vote log, and the
  gunicorn workers' resident memory is read.

gunicorn listens on BENCH_PORT if set (otherwise any free port). Writes
bench/results/conversation.json (the quick run writes conversation.quick.json).
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results" / "conversation.json"
QUICK_RESULTS = ROOT / "bench" / "results" / "conversation.quick.json"
STATEMENTS = 60
CLIENTS = 8
INTERVAL = 5
TARGET_VOTE_P50_MS = 100
# The paced run's assumption: a person reads a statement for 1 to 3 seconds (uniformly,
# seeded) before voting on it. Polis-style statements are a sentence or two; reading one
# and deciding takes a few seconds, so this is on the quick side (more load, not less).
THINK = (1.0, 3.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tasks", choices=["immediate", "database"], default="immediate")
    parser.add_argument(
        "--only", choices=["sqlite", "postgres"], help="measure on one database only"
    )
    parser.add_argument("--one", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    people, votes, seconds = (200, 10_000, 6) if args.quick else (2_000, 100_000, 20)
    if args.one:
        result = run_one(args.one, people, votes, seconds, args.tasks)
        Path(args.out).write_text(json.dumps(result))
        return
    runs = []
    databases = ["sqlite"] if args.quick else ["sqlite", "postgres"]
    for db in [args.only] if args.only else databases:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = handle.name
        command = [sys.executable, __file__, "--one", db, "--out", out, "--tasks", args.tasks]
        if args.quick:
            command.append("--quick")
        if db == "postgres":
            command = [sys.executable, str(ROOT / "scripts" / "with-postgres.py"), *command]
        subprocess.run(command, check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        runs.append(json.loads(Path(out).read_text()))
        os.unlink(out)
    for run in runs:
        run["tasks_backend"] = args.tasks
    path = QUICK_RESULTS if args.quick else RESULTS
    # Runs of other databases or task backends measured earlier are kept beside these.
    earlier = json.loads(path.read_text())["runs"] if path.exists() else []
    measured = {(run["db"], run["tasks_backend"]) for run in runs}
    kept = [r for r in earlier if (r["db"], r.get("tasks_backend", "immediate")) not in measured]
    summary = {
        "people": people,
        "votes": runs[0]["votes"],
        "statements": STATEMENTS,
        "clients": CLIENTS,
        "analysis_min_interval_seconds": INTERVAL,
        "target_vote_p50_ms": TARGET_VOTE_P50_MS,
        "target_judged_on": "the paced run (each voter pauses think_seconds between votes)",
        "think_seconds": list(THINK),
        "runs": [*kept, *runs],
    }
    path.write_text(json.dumps(summary, indent=2) + "\n")
    for run in runs:
        print(
            f"{run['db']}, tasks {run['tasks_backend']}: {run['votes']} votes; "
            f"sign-in {run['sign_in_ms']} ms; "
            f"vote page {run['vote_page_ms']} ms (x{run['vote_page_ratio']}); "
            f"report {run['report_ms']} ms (x{run['report_ratio']}); "
            f"a vote, one client {run['vote_one_client_ms']} ms "
            f"(x{run['vote_one_client_ratio']})"
        )
        for label, prefix in (("back to back", ""), ("pausing 1-3 s", "paced_")):
            print(
                f"  {CLIENTS} voters {label}: vote p50 {run[prefix + 'vote_p50_ms']} ms, "
                f"p95 {run[prefix + 'vote_p95_ms']} ms, "
                f"{run[prefix + 'votes_per_second']} votes/s; refreshes waiting at most "
                f"{run[prefix + 'most_refreshes_waiting']}; analysis caught up "
                f"{run[prefix + 'caught_up_seconds']} s after the last vote; load "
                f"{run[prefix + 'load_average_before'][0]} -> "
                f"{run[prefix + 'load_average_after'][0]}"
            )
        print(
            f"  target (p50 <= {TARGET_VOTE_P50_MS} ms, paced): "
            f"{'met' if run['paced_target_met'] else 'NOT met'}; tallies match a recount: "
            f"{run['tallies_match_recount']}; workers {run['worker_rss_mb']} MB; load "
            f"{run['load_average_start']} at the start, {run['load_average_end']} at the end"
        )
    print(f"Written to {path.relative_to(ROOT)}")


def setup_django(folder: Path, db: str, tasks: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "coproduce.settings"
    os.environ.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + "x" * 60,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "COPRODUCE_HOME": str(folder),
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "TASKS_BACKEND": tasks,
            "ANALYSIS_MIN_INTERVAL_SECONDS": str(INTERVAL),
            "EMAIL_BACKEND": "file",
        }
    )
    # As docs/operations.md serves it with gunicorn: each thread keeps its connection.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    if db == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/conversation.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("collectstatic", interactive=False, verbosity=0)


def build(people: int, votes: int, seed: int = 15):
    """The hub and the conversation; returns (conversation, voters for the clients,
    a member for the one-client pages, how it was built)."""
    from coproduce.bulk import insert_rows
    from coproduce.deliberation import services
    from coproduce.deliberation.models import Participant, Vote
    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Person, Role

    rng = random.Random(seed)
    started = time.perf_counter()
    operator = Person.objects.create_superuser("op@bench.example", "x", display_name="Op")
    admin = hubs.person_register(email="admin@bench.example", display_name="Admin", password=None)
    hub = hubs.hub_create(actor=operator, slug="bench", name="Bench", purpose="Bench", admin=admin)
    members = []
    for n in range(people + 2 * CLIENTS):
        person = hubs.person_register(
            email=f"p{n}@bench.example", display_name=f"Person {n}", password=None
        )
        hubs.membership_add(
            actor=admin, hub=hub, person=person, role=Role.STAFF if n % 5 == 0 else Role.MEMBER
        )
        members.append(person)
    people_seconds = time.perf_counter() - started
    conversation = services.conversation_create(
        actor=admin,
        hub=hub,
        question="What would make the borough's services better?",
        seeds=[f"Statement number {n}: something people may think." for n in range(STATEMENTS)],
    )
    statements = list(conversation.statements.order_by("pk").values_list("pk", flat=True))
    voting, clients = members[:people], members[people:]
    participant_ids = insert_rows(
        Participant,
        [
            {
                "conversation_id": conversation.pk,
                "person_id": person.pk,
                "role": "staff" if n % 5 == 0 else "user",
                "area": f"Ward {n % 12}",
            }
            for n, person in enumerate(voting)
        ],
        returning_ids=True,
    )
    # Three opinion groups; each person votes on a share of the statements.
    leaning = [[rng.choice([1, -1, 0]) for _ in statements] for _ in range(3)]
    per_person = votes // people
    rows = []
    for n, participant in enumerate(participant_ids):
        group = leaning[n % 3]
        count = min(len(statements), max(1, per_person + rng.randint(-10, 10)))
        for index in rng.sample(range(len(statements)), count):
            value = group[index] if rng.random() < 0.8 else rng.choice([1, -1, 0])
            rows.append(
                {"participant_id": participant, "statement_id": statements[index], "value": value}
            )
        if len(rows) >= 10_000:
            insert_rows(Vote, rows)
            rows = []
    insert_rows(Vote, rows)
    services.tallies_rebuild(conversation)
    assert services.tallies_check(conversation) == []
    analysed = time.perf_counter()
    services.analysis_refresh(conversation)
    built = {
        "build_seconds": round(time.perf_counter() - started, 1),
        "people_seconds": round(people_seconds, 1),
        "analysis_seconds": round(time.perf_counter() - analysed, 2),
        "build_method": "people through the services; places and votes in bulk, then "
        "tallies_rebuild and analysis_refresh",
    }
    conversation.refresh_from_db()
    return conversation, clients, voting[1], built


def session_for(person) -> dict:
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    client = Client()
    client.force_login(person)
    token = _get_new_csrf_string()
    return {
        "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}",
        "X-CSRFToken": token,
    }


def request(base, path, headers, data=None):
    body = None if data is None else urllib.parse.urlencode(data).encode()
    started = time.perf_counter()
    req = urllib.request.Request(base + path, data=body, headers=headers)  # noqa: S310
    with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310 (our own server)
        content = response.read().decode()
        status = response.status
    return (time.perf_counter() - started) * 1000, status, content


def p(values, share):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def serve(folder: Path, env: dict) -> tuple[subprocess.Popen, str]:
    import socket

    port = int(os.environ.get("BENCH_PORT", "0"))  # 0: any free port
    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "coproduce.wsgi:application",
            "--workers=2",
            "--threads=4",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        env=env,
        cwd=folder,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            request(base, "/accounts/sign-in/", {})
            return server, base
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def load_average() -> list[float]:
    """The machine's load average over 1, 5 and 15 minutes (it is shared)."""
    return [round(load, 1) for load in os.getloadavg()]


def run_one(db: str, people: int, votes: int, seconds: int, tasks: str) -> dict:
    load_at_start = load_average()
    folder = Path(tempfile.mkdtemp(prefix="coproduce-conversation-"))
    setup_django(folder, db, tasks)
    from coproduce.deliberation import services
    from coproduce.deliberation.models import AnalysisResult

    paced_seconds = 3 * seconds
    conversation, clients, reader, built = build(people, votes)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server, base = serve(folder, env)
    worker = None
    if tasks == "database":
        worker = subprocess.Popen(
            [str(BIN / "coproduce"), "db_worker", "--interval", "0.2", "--skip-checks"],
            env=env,
            cwd=folder,
        )
    slug, pk = conversation.hub.slug, conversation.pk
    page = f"/hubs/{slug}/conversations/{pk}/"
    try:
        reader_headers = session_for(reader)
        timings = {"sign_in": [], "vote_page": [], "report": []}
        paths = {"sign_in": ("/accounts/sign-in/", {}), "vote_page": (page, reader_headers),
                 "report": (page + "report/", reader_headers)}  # fmt: skip
        for _ in range(3):
            for path, headers in paths.values():
                request(base, path, headers)  # warm up
        for _ in range(10 if people < 1000 else 20):
            for name, (path, headers) in paths.items():
                elapsed, status, _ = request(base, path, headers)
                assert status == 200, (name, status)
                timings[name].append(elapsed)
        # One vote at a time (the voting card, as htmx asks for it), by the same member.
        timings["vote"] = []
        statement_ids = list(conversation.statements.values_list("pk", flat=True))
        vote_rng = random.Random(1)
        for n in range(10 if people < 1000 else 20):
            elapsed, status, _ = request(
                base,
                page + "vote/",
                {**reader_headers, "HX-Request": "true"},
                {"statement": str(vote_rng.choice(statement_ids)), "value": "1", "key": f"one-{n}"},
            )
            assert status == 200, ("vote", status)
            timings["vote"].append(elapsed)
        medians = {name: statistics.median(values) for name, values in timings.items()}

        # Eight voters at once: first back to back (each sends its next vote as soon as
        # the last answer comes: the saturation figure), then as people vote, reading
        # each statement first (THINK seconds between an answer and the next vote).
        all_statements = list(conversation.statements.values_list("pk", flat=True))
        saturated = vote_phase(
            base, page, pk, tasks, [session_for(p) for p in clients[:CLIENTS]],
            all_statements, seconds, think=None,
        )  # fmt: skip
        paced = vote_phase(
            base, page, pk, tasks, [session_for(p) for p in clients[CLIENTS:]],
            all_statements, paced_seconds, think=THINK,
        )  # fmt: skip
        rss = worker_memory(server.pid)
    finally:
        server.terminate()
        server.wait()
        if worker:
            worker.terminate()
            worker.wait()
    conversation.refresh_from_db()
    analysis = AnalysisResult.objects.get(conversation=conversation)
    return {
        "db": db,
        "votes": conversation.votes_cast,
        "people": people,
        **built,
        "sign_in_ms": round(medians["sign_in"], 1),
        "vote_page_ms": round(medians["vote_page"], 1),
        "report_ms": round(medians["report"], 1),
        "vote_page_ratio": round(medians["vote_page"] / medians["sign_in"], 1),
        "report_ratio": round(medians["report"] / medians["sign_in"], 1),
        "vote_one_client_ms": round(medians["vote"], 1),
        "vote_one_client_ratio": round(medians["vote"] / medians["sign_in"], 1),
        "clients": CLIENTS,
        **{f"{key}": value for key, value in saturated.items()},
        **{f"paced_{key}": value for key, value in paced.items()},
        "think_seconds": list(THINK),
        "paced_target_met": paced["vote_p50_ms"] <= TARGET_VOTE_P50_MS,
        "last_analysis_seconds": analysis.seconds,
        "tallies_match_recount": services.tallies_check(conversation) == [],
        "worker_rss_mb": rss,
        # The machine is shared: its load during the run says how far to trust times.
        "database_conn_max_age": int(os.environ["DATABASE_CONN_MAX_AGE"]),
        "load_average_start": load_at_start,
        "load_average_end": load_average(),
    }


def vote_phase(base, page, pk, tasks, sessions, all_statements, seconds, think) -> dict:
    """Each session votes through the voting card (as htmx asks for it) for `seconds`:
    back to back (`think` None) or pausing a seeded random number of seconds within
    `think` between an answer and the next vote. Returns each vote's time (p50, p95),
    votes per second, how far the analysis fell behind, and how long after the last vote
    it had seen every vote."""
    from django.db import close_old_connections

    from coproduce.deliberation.models import AnalysisResult, Conversation

    latencies, errors, stop = [], [], threading.Event()

    def voter(index):
        headers = {**sessions[index], "HX-Request": "true"}
        rng = random.Random(index if think is None else 100 + index)
        _, _, body = request(base, page, sessions[index])
        if think is not None:  # people do not all arrive at the same moment
            stop.wait(rng.uniform(0, think[1]))
        while not stop.is_set():
            found = re.search(r'name="statement" value="(\d+)"', body)
            statement = found.group(1) if found else str(rng.choice(all_statements))
            vote = {"statement": statement, "value": rng.choice(["1", "-1", "0"])}
            key = re.search(r'name="key" value="([^"]+)"', body)
            if key:  # the card's idempotency key, sent as the browser sends the form
                vote["key"] = key.group(1)
            try:
                elapsed, status, body = request(base, page + "vote/", headers, vote)
            except OSError as error:
                errors.append(str(error))
                continue
            latencies.append(elapsed)
            if status != 200:
                errors.append(status)
            if not found:
                body = ""  # voted on them all: change their mind on any
            if think is not None:
                stop.wait(rng.uniform(*think))  # reading the next statement

    behind, waiting, analyses = [], [], set()

    def watch():
        from django_tasks_db.models import DBTaskResult

        while not stop.is_set():
            state = Conversation.objects.values("votes_cast", "analysis_wanted_at").get(pk=pk)
            seen = AnalysisResult.objects.values("votes_cast", "computed_at").get(
                conversation_id=pk
            )
            behind.append(state["votes_cast"] - seen["votes_cast"])
            analyses.add(seen["computed_at"])
            if tasks == "database":
                waiting.append(DBTaskResult.objects.filter(status="READY").count())
            else:  # the conversation's mark: a refresh asked for and not yet begun
                waiting.append(int(state["analysis_wanted_at"] is not None))
            time.sleep(0.2)
        close_old_connections()

    threads = [threading.Thread(target=voter, args=(i,)) for i in range(len(sessions))]
    watcher = threading.Thread(target=watch)
    load_before = load_average()
    started = time.perf_counter()
    for thread in [*threads, watcher]:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in [*threads, watcher]:
        thread.join()
    voting_seconds = time.perf_counter() - started
    load_after = load_average()
    last_vote = time.perf_counter()
    caught_up = None
    while time.perf_counter() - last_vote < INTERVAL + 60:
        state = Conversation.objects.get(pk=pk)
        seen = AnalysisResult.objects.get(conversation_id=pk)
        if state.analysis_wanted_at is None and seen.votes_cast == state.votes_cast:
            caught_up = round(time.perf_counter() - last_vote, 1)
            break
        time.sleep(0.1)
    return {
        "voting_seconds": round(voting_seconds, 1),
        "votes_during_run": len(latencies),
        "vote_p50_ms": p(latencies, 0.5),
        "vote_p95_ms": p(latencies, 0.95),
        "votes_per_second": round(len(latencies) / voting_seconds, 1),
        "errors": len(errors),
        "most_votes_behind": max(behind) if behind else None,
        "most_refreshes_waiting": max(waiting) if waiting else None,
        "refreshes_during_run": len(analyses) - 1,
        "caught_up_seconds": caught_up,
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


def worker_memory(master: int) -> list[float]:
    """Resident memory of each gunicorn worker (children of the master), in MB."""
    sizes = []
    for child in Path("/proc").glob("[0-9]*"):
        try:
            status = (child / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", status, re.MULTILINE):
            found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
            if found:
                sizes.append(round(int(found.group(1)) / 1024, 1))
    return sorted(sizes)


if __name__ == "__main__":
    main()
