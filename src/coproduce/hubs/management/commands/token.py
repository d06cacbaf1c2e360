from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from coproduce.errors import ApplicationError
from coproduce.hubs import services
from coproduce.hubs.models import ApiToken, Hub, Person


class Command(BaseCommand):
    help = (
        "Keys for the JSON API (see docs/api.md). "
        "coproduce token create EMAIL --hub SLUG prints a new key; "
        "coproduce token list EMAIL; coproduce token revoke PREFIX."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Print a new key for a member of a hub.")
        create.add_argument("email")
        create.add_argument("--hub", required=True, help="The hub's slug, e.g. millbrook.")
        create.add_argument("--name", default="", help="What the key is for.")
        listing = actions.add_parser("list", help="A person's keys (never the secrets).")
        listing.add_argument("email")
        revoke = actions.add_parser("revoke", help="Switch a key off for good.")
        revoke.add_argument("prefix", help="The key's first ten characters, from list.")

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _person(self, email: str) -> Person:
        person = Person.objects.filter(email=email.strip().lower()).first()
        if person is None:
            raise CommandError(f"EMAIL: no account with the email {email}.")
        return person

    def _create(self, email, hub, name, **options):
        person = self._person(email)
        found = Hub.objects.filter(slug=hub).first()
        if found is None:
            raise CommandError(f"--hub: no hub with the slug {hub}.")
        try:
            _token, secret = services.api_token_create(person=person, hub=found, name=name)
        except PermissionDenied as error:
            raise CommandError(f"--hub: {person} is not an active member of {found}.") from error
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stderr.write(f"A key for {person} in {found}. It is shown once; keep it secret.")
        self.stdout.write(secret)

    def _list(self, email, **options):
        for token in ApiToken.objects.filter(person=self._person(email)).select_related("hub"):
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "live"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.prefix}  {token.hub.slug:<20} {state:<18} last used {used}  {token.name}"
            )

    def _revoke(self, prefix, **options):
        tokens = list(ApiToken.objects.filter(prefix=prefix))
        if len(tokens) != 1:
            raise CommandError(f"PREFIX: {len(tokens)} keys start {prefix}; expected one.")
        token = tokens[0]
        services.api_token_revoke(actor=token.person, token=token)
        self.stdout.write(f"Revoked {token}.")
