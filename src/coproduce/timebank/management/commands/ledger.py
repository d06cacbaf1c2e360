import sys

from django.core.management.base import BaseCommand, CommandError

from coproduce.hubs.models import Hub
from coproduce.timebank import ledger


class Command(BaseCommand):
    help = "Ledger tools. `coproduce ledger verify [--hub SLUG]` recomputes every balance."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--hub", help="Only this hub (its slug).")

    def handle(self, *args, action, hub=None, **options):
        selected = None
        if hub:
            selected = Hub.objects.filter(slug=hub).first()
            if selected is None:
                raise CommandError(f"--hub: no hub with the address {hub!r}.")
        report = ledger.verify(selected)
        self.stdout.write(
            f"Checked {report.accounts} accounts, {report.transfers} transfers, "
            f"{report.entries} entries."
        )
        if report.ok:
            self.stdout.write(
                "Ledger OK: every transfer sums to zero and every balance "
                "equals the sum of its entries."
            )
            return
        for problem in report.problems:
            self.stderr.write(problem)
        self.stderr.write(f"Ledger NOT OK: {len(report.problems)} problem(s).")
        sys.exit(1)
