from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person


class Command(BaseCommand):
    help = (
        "`coproduce people export EMAIL --out FILE` writes everything about a person to a "
        "zip (docs/privacy.md). `coproduce people erase EMAIL` erases them: identifying "
        "details blanked, a pseudonym in each hub, records kept only as docs/privacy.md's "
        "retention table says."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("email")
        parser.add_argument("--out", type=Path)
        parser.add_argument("--yes", action="store_true", help="Erase without asking.")

    def handle(self, *args, action, email, out, yes, **options):
        person = Person.objects.filter(email__iexact=email.strip()).first()
        if person is None:
            raise CommandError(f"Nobody here has the email address {email!r}.")
        try:
            if action == "export":
                self._export(person, out)
            else:
                self._erase(person, yes)
        except ApplicationError as error:
            raise CommandError(str(error)) from error

    def _export(self, person, out):
        if out is None:
            raise CommandError("export needs --out FILE.")
        from coproduce.insight import exports

        exports.write_zip(person, out)
        self.stdout.write(f"Wrote {person.email}'s data to {out}.")

    def _erase(self, person, yes):
        from coproduce.insight.services import erasure

        if not yes and input(f"Erase {person.email}? This cannot be undone. [y/N] ") != "y":
            raise CommandError("Nothing was erased.")
        erasure.person_erase(actor=None, person=person, route="operator", how_asked="")
        self.stdout.write("Erased. The person's records now go by a pseudonym in each hub.")
