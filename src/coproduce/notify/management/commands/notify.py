from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from coproduce.notify import digests
from coproduce.notify.tasks import send_digests


class Command(BaseCommand):
    help = (
        "`coproduce notify send-digests` emails each person the daily and weekly digests "
        "that are due (what they chose to hear about that way). Run it hourly "
        "(docs/operations.md): running it again sends nothing twice. --enqueue hands it "
        "to the background worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["send-digests"])
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue it as a task for the worker."
        )
        parser.add_argument(
            "--at", help="Send what was due at this time (ISO 8601), instead of now."
        )

    def handle(self, *args, action, enqueue=False, at=None, **options):
        if enqueue:
            result = send_digests.enqueue()
            self.stdout.write(f"Queued the digests as task {result.id}.")
            return
        now = None
        if at:
            now = parse_datetime(at)
            if now is None or now.tzinfo is None:
                raise CommandError(f"--at must be a date and time with a zone, not {at!r}.")
        sent = digests.send_digests(now)
        self.stdout.write(f"Sent {len(sent)} digest{'' if len(sent) == 1 else 's'}.")
