from django.core.management.base import BaseCommand, CommandError

from coproduce.hubs.models import Hub
from coproduce.referrals import escalations
from coproduce.referrals.tasks import sweep_escalations


class Command(BaseCommand):
    help = (
        "The failsafe. `coproduce escalations sweep` finds unmatched referrals and requests, "
        "unfilled rota slots, key-person and burnout risks, and hands each to a named member "
        "of staff. Running it again raises nothing new. Run it hourly (docs/operations.md); "
        "--enqueue hands it to the background worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sweep"])
        parser.add_argument("--hub", help="Only this hub (its slug).")
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue it as a task for the worker."
        )

    def handle(self, *args, action, hub=None, enqueue=False, **options):
        if enqueue:
            result = sweep_escalations.enqueue()
            self.stdout.write(f"Queued the sweep as task {result.id}.")
            return
        only = None
        if hub:
            only = Hub.objects.filter(slug=hub).first()
            if only is None:
                raise CommandError(f"No hub called {hub!r}.")
        raised = escalations.sweep(hub=only)
        self.stdout.write(f"Raised {len(raised)} new escalation{'' if len(raised) == 1 else 's'}.")
        for escalation in raised:
            self.stdout.write(
                f"- {escalation.hub.slug}: {escalation.summary} (to {escalation.assigned_to})"
            )
