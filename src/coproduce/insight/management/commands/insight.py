import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coproduce.hubs.models import Hub


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date like 2026-07-01.") from error


class Command(BaseCommand):
    help = (
        "`coproduce insight report --hub SLUG --from DATE --to DATE --json OUT` writes a "
        "hub's insight report (docs/insight.md gives its shape). `coproduce insight tick`, "
        "run daily, reminds people of a health check that is due, warns and clears "
        "inactive accounts and deletes expired downloads of people's data."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["report", "tick"])
        parser.add_argument("--hub", dest="slug")
        parser.add_argument("--from", dest="start")
        parser.add_argument("--to", dest="end")
        parser.add_argument("--json", type=Path, dest="out")

    def handle(self, *args, action, slug, start, end, out, **options):
        if action == "tick":
            return self._tick()
        if not (slug and start and end and out):
            raise CommandError("report needs --hub, --from, --to and --json.")
        hub = Hub.objects.filter(slug=slug).first()
        if hub is None:
            raise CommandError(f"No hub is called {slug!r}.")
        start_day, end_day = _date(start), _date(end)
        if end_day < start_day:
            raise CommandError("--to must not be before --from.")
        from coproduce.insight import report

        figures = report.build(hub, start_day, end_day)
        figures.pop("people", None)  # names of members: coordinators' pages only
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", "utf-8")
        self.stdout.write(f"Wrote the report of {hub.name} to {out}.")

    def _tick(self):
        from coproduce.insight import cleanup, exports, healthcheck_tasks

        self.stdout.write(healthcheck_tasks.remind_due())
        self.stdout.write(cleanup.warn_and_clear())
        self.stdout.write(exports.clean())
