from django.core.management.base import BaseCommand

from coproduce.involve.services import sweeps
from coproduce.involve.tasks import involvement_tick


class Command(BaseCommand):
    help = (
        "Involvement. `coproduce involve tick` lapses places offered from a waiting list "
        "and not answered in time (offering them to the next person), sends reminders 48 "
        "hours before each meeting, makes the weekly and monthly involvement packs due, "
        "and counts Your Space rounds whose vote has closed. "
        "Running it again sends nothing twice. Run it hourly (docs/operations.md); "
        "--enqueue hands it to the background worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["tick"])
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue it as a task for the worker."
        )

    def handle(self, *args, action, enqueue=False, **options):
        if enqueue:
            result = involvement_tick.enqueue()
            self.stdout.write(f"Queued the involvement tick as task {result.id}.")
            return
        done = sweeps.tick()
        self.stdout.write(
            f"Offers lapsed: {done['lapsed']}. Reminders sent: {done['reminders']}. "
            f"Packs made: {done['packs']}. Your Space rounds counted: {done['counted']}."
        )
