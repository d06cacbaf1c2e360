from django.core.management.base import BaseCommand

from coproduce.timebank import services


class Command(BaseCommand):
    help = (
        "Time-bank jobs to run on a schedule. `coproduce timebank confirm-due` confirms "
        "logged exchanges the other side did not answer within the hub's days (run it "
        "hourly; see docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["confirm-due"])

    def handle(self, *args, action, **options):
        confirmed = services.exchanges_auto_confirm()
        self.stdout.write(
            f"Confirmed {confirmed} exchange{'' if confirmed == 1 else 's'} "
            "nobody answered in time."
        )
