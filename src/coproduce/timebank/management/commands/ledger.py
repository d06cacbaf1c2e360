import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coproduce.hubs.models import Hub
from coproduce.timebank import ledger, tallies


class Command(BaseCommand):
    help = (
        "Ledger tools. `coproduce ledger verify [--hub SLUG]` recomputes every balance and "
        "every kept count; `coproduce ledger retally [--hub SLUG]` recounts the kept counts "
        "from the entries (run it while nothing writes the ledger)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "retally"])
        parser.add_argument("--hub", help="Only this hub (its slug).")

    def handle(self, *args, action, hub=None, **options):
        selected = None
        if hub:
            selected = Hub.objects.filter(slug=hub).first()
            if selected is None:
                raise CommandError(f"--hub: no hub with the address {hub!r}.")
        if action == "retally":
            for chosen in [selected] if selected else Hub.objects.order_by("pk"):
                with transaction.atomic():
                    tallies.rebuild(chosen.pk)
                self.stdout.write(f"Recounted the ledger of {chosen.slug}.")
            return
        report = ledger.verify(selected)
        self.stdout.write(
            f"Checked {report.accounts} accounts, {report.transfers} transfers, "
            f"{report.entries} entries."
        )
        if report.ok:
            self.stdout.write(
                "Ledger OK: every transfer sums to zero, every balance "
                "equals the sum of its entries, and every kept count equals a recount."
            )
            return
        for problem in report.problems:
            self.stderr.write(problem)
        self.stderr.write(f"Ledger NOT OK: {len(report.problems)} problem(s).")
        sys.exit(1)
