import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coproduce.hubs.models import Hub
from coproduce.pledges import scorecard, selectors


class Command(BaseCommand):
    help = (
        "Pledge tools. `coproduce pledges scorecard --hub SLUG --json OUT` writes the "
        "scorecard of every published (and retired) pledge of the hub: per category and "
        "month, reports, kept, not kept and closed without a fix, the median time to close, "
        "disputes, reopenings and the users' side; the same figures as the scorecard pages."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        card = actions.add_parser("scorecard", help="Write the hub's scorecards as JSON.")
        card.add_argument("--hub", required=True, help="The hub's address (slug).")
        card.add_argument("--json", dest="output", type=Path, required=True, help="Where to write.")
        card.add_argument("--pledge", help="Only this pledge (its slug).")
        card.add_argument(
            "--drafts", action="store_true", help="Include draft pledges (for staff)."
        )

    def handle(self, *args, action, **options):
        if action == "scorecard":
            self._scorecard(**options)

    def _scorecard(self, *, hub, output, pledge, drafts, **options):
        found = Hub.objects.filter(slug=hub).first()
        if found is None:
            raise CommandError(f"--hub: no hub with the address {hub!r}.")
        cards = selectors.hub_scorecards(found, published_only=not drafts)
        if pledge:
            cards = [card for card in cards if card.pledge.slug == pledge]
            if not cards:
                raise CommandError(f"--pledge: {found.name} has no such pledge {pledge!r}.")
        body = {
            "hub": found.slug,
            "as_of": timezone.now().isoformat(),
            "pledges": [card.as_json() for card in cards],
        }
        try:
            output.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n")
        except OSError as error:
            raise CommandError(f"--json: cannot write {output}: {error.strerror}.") from None
        for card in cards:
            total = card.card.total
            self.stdout.write(
                f"{card.pledge.title}: {scorecard.describe_share(total)}, "
                f"{total.reports} report{'' if total.reports == 1 else 's'}"
                + (f", {total.without_fix} closed without a fix." if total.without_fix else ".")
            )
        if not cards:
            self.stdout.write(f"{found.name} has no published pledges yet.")
        self.stdout.write(f"Written to {output}")
