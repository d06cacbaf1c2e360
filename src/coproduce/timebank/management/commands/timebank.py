from django.core.management.base import BaseCommand

from coproduce.timebank import services


class Command(BaseCommand):
    help = (
        "Time-bank jobs to run on a schedule. `coproduce timebank confirm-due` confirms "
        "logged exchanges the other side did not answer within the hub's days (run it "
        "hourly; see docs/operations.md); `coproduce timebank clean-exports` deletes the "
        "exported files whose EXPORT_KEEP_DAYS are up (run it daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["confirm-due", "clean-exports"])

    def handle(self, *args, action, **options):
        if action == "clean-exports":
            from coproduce.timebank import exports

            deleted = exports.clean()
            self.stdout.write(
                f"Deleted {deleted} exported file{'' if deleted == 1 else 's'} past their days."
            )
            return
        confirmed = services.exchanges_auto_confirm()
        self.stdout.write(
            f"Confirmed {confirmed} exchange{'' if confirmed == 1 else 's'} "
            "nobody answered in time."
        )
