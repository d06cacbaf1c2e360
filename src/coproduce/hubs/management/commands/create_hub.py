from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coproduce.errors import ApplicationError
from coproduce.hubs import services
from coproduce.hubs.models import Person


class Command(BaseCommand):
    help = (
        "Create a hub and appoint its first admin. Run by a site operator: "
        "coproduce create_hub --operator you@example.org --slug millbrook "
        "--name 'Millbrook Time Bank' --purpose '…' --admin-email helen@example.org"
    )

    def add_arguments(self, parser):
        parser.add_argument("--operator", required=True, help="Your (superuser) email.")
        parser.add_argument("--slug", required=True, help="Web address, e.g. millbrook.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--purpose", required=True, help="What the hub is for.")
        parser.add_argument("--admin-email", required=True, help="The first hub admin.")
        parser.add_argument("--admin-name", default="", help="Needed if they have no account.")

    @transaction.atomic
    def handle(self, *args, operator, slug, name, purpose, admin_email, admin_name, **options):
        actor = Person.objects.filter(email=operator.strip().lower()).first()
        if actor is None:
            raise CommandError(f"--operator: no account with the email {operator}.")
        admin = Person.objects.filter(email=admin_email.strip().lower()).first()
        created = admin is None
        try:
            if created:
                if not admin_name:
                    raise CommandError(
                        f"--admin-name: {admin_email} has no account yet, so give their name."
                    )
                admin = services.person_register(
                    email=admin_email, display_name=admin_name, password=None
                )
            hub = services.hub_create(
                actor=actor, slug=slug, name=name, purpose=purpose, admin=admin
            )
        except ApplicationError as error:
            field = f"--{error.field.replace('_', '-')}: " if error.field else ""
            raise CommandError(f"{field}{error.message}") from error
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Created {hub.name} at /hubs/{hub.slug}/ with {admin} as admin.")
        if created:
            self.stdout.write(
                f"{admin_email} chooses a password with 'Forgotten your password?' "
                "on the sign-in page."
            )
