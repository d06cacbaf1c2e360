from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from coproduce.demo import data
from coproduce.siteurl import site_url


class Command(BaseCommand):
    help = "Load the demo hubs and people (safe to run again) and print how to sign in."

    def handle(self, *args, **options):
        # Who to sign in as comes first, before anything the loading prints.
        self.stdout.write(
            f"Coproduce demo at {site_url()}/ - sign in as any of these "
            f"(password: {data.DEMO_PASSWORD}):"
        )
        for email, name, roles, story in data.PERSONAS:
            hubs = ", ".join(f"{role} in {slug}" for slug, (role, _) in roles.items())
            self.stdout.write(f"  {email:<28} {name:<16} {story} ({hubs})")
        self.stdout.write(
            f"  {data.OPERATOR_EMAIL:<28} Site operator (creates hubs: coproduce create_hub)"
        )
        self.stdout.write(
            "Every other demo member with an email signs in with the same password; people "
            "who are not online (e.g. Ron Ellis) are managed by their coordinators."
        )
        counts = data.load()
        summary = ", ".join(f"{value} {key}" for key, value in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {summary}."))
        self.stdout.write(self._where_mail_goes())

    def _where_mail_goes(self) -> str:
        mailer = settings.MAILERS["default"]
        if mailer["BACKEND"].endswith("filebased.EmailBackend"):
            folder = Path(mailer["OPTIONS"]["file_path"]).resolve()
            if folder.is_relative_to(Path.cwd()):
                folder = folder.relative_to(Path.cwd())
            return f"Emails the demo sends are written to files in {folder}/ (one per email)."
        if mailer["BACKEND"].endswith("console.EmailBackend"):
            return "Emails are printed in the server's terminal."
        return "Emails are sent by the mail server."
