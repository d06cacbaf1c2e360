"""The member pages, the directory, the people search and the audit log on the
10,000-member hub, with and without the indexes of migration hubs 0013, in turns.

    python bench/people_indexes.py --database sqlite
    python scripts/with-postgres.py python bench/people_indexes.py --database postgresql

On a copy of bench/bighub.py's hub (on PostgreSQL, copied row by row into the cluster
scripts/with-postgres.py makes), in this process with Django's test client, signed in as
member, staff and coordinator (the pages of tests/test_permission_matrix.py, as
bench/pages.py asks them). Each round measures every page without the indexes (the
single-column indexes on the audit log's actor and on_behalf_of instead, and a person's
history read as one OR, as before), then with them; each request is preceded by one of
the sign-in page, signed out, which is the reference. Prints each page's median as a
multiple of the sign-in page's median in the same state. The machine's other work
moves both alike, which is why the two states take turns.
"""

import argparse
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]
import bighub  # noqa: E402

PAGES = r"^GET (member-detail|directory|people-search|audit-log)( \(audit\))?$"
PERSONAS = ("member", "staff", "coordinator")
NEW = [
    "CREATE INDEX person_by_name ON hubs_person (display_name, id)",
    "CREATE INDEX audit_actor_recent ON hubs_auditevent "
    "(actor_id, hub_id, created_at DESC, id DESC)",
    "CREATE INDEX audit_for_recent ON hubs_auditevent "
    "(on_behalf_of_id, hub_id, created_at DESC, id DESC)",
]
TRIGRAMS = (
    "CREATE INDEX person_name_trgm ON hubs_person USING gin ((UPPER(display_name)) gin_trgm_ops)"
)
OLD = [
    "CREATE INDEX audit_actor_old ON hubs_auditevent (actor_id)",
    "CREATE INDEX audit_for_old ON hubs_auditevent (on_behalf_of_id)",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--members", type=int, default=bighub.REFERENCE_MEMBERS)
    arguments = parser.parse_args()
    cached, objects, _built = bighub.build_cached(arguments.members)
    home = Path(tempfile.mkdtemp(prefix="bench-people-indexes-"))
    if arguments.database == "sqlite":
        bighub.setup_django(f"sqlite:///{bighub.sqlite_copy(cached, home)}", home)
    else:
        bighub.setup_django(os.environ["DATABASE_URL"], home)
        bighub.copy_into(cached, os.environ["DATABASE_URL"])
    try:
        run(bighub.load_objects(objects), arguments.rounds)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(things, rounds: int) -> None:
    import pages
    from django.conf import settings
    from django.db import connection
    from django.db.models import Q
    from django.test import Client

    from coproduce.hubs import selectors

    warnings.simplefilter("ignore")  # no collected static files here
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 403s are expected
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    new_history = selectors.person_audit_log

    def old_history(hub, person, limit=20):
        return selectors.hub_audit_log(hub).filter(Q(on_behalf_of=person) | Q(actor=person))[:limit]

    new = NEW + ([TRIGRAMS] if connection.vendor == "postgresql" else [])

    def indexes(on: bool) -> None:
        with connection.cursor() as cursor:
            for sql in OLD if on else new:
                cursor.execute(f"DROP INDEX IF EXISTS {sql.split()[2]}")
            for sql in new if on else OLD:
                cursor.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
            cursor.execute("ANALYZE")
        selectors.person_audit_log = new_history if on else old_history

    cases = [case for case in pages.page_cases(False) if re.search(PAGES, case.id)]
    clients = {}
    for persona in PERSONAS:
        clients[persona] = Client()
        clients[persona].force_login(things.person(persona))
    anonymous = Client()

    def timed(client, url) -> float:
        started = time.perf_counter()
        client.get(url)
        return (time.perf_counter() - started) * 1000

    times: dict = {}
    for _ in range(rounds):
        for on in (False, True):
            indexes(on)
            for case in cases:
                url = case.url(things)
                for persona in PERSONAS:
                    timed(clients[persona], url)
                    for _ in range(3):
                        times.setdefault(("sign-in", on), []).append(
                            timed(anonymous, "/accounts/sign-in/")
                        )
                        times.setdefault((case.id, persona, on), []).append(
                            timed(clients[persona], url)
                        )
    indexes(True)
    print(f"{connection.vendor}, {rounds} rounds: median as a multiple of the sign-in page")
    before = statistics.median(times[("sign-in", False)])
    after = statistics.median(times[("sign-in", True)])
    print(f"  {'':<48} {'without':>8} {'with':>8}")
    print(f"  {'the sign-in page (ms)':<48} {before:>8.1f} {after:>8.1f}")
    for case in cases:
        for persona in PERSONAS:
            was = statistics.median(times[(case.id, persona, False)]) / before
            now = statistics.median(times[(case.id, persona, True)]) / after
            print(f"  {case.id + ' as ' + persona:<48} {was:>7.1f}x {now:>7.1f}x")


if __name__ == "__main__":
    main()
