import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coproduce.errors import ApplicationError
from coproduce.involve import allocation, pabulib


def by_id(project: str):
    """Project ids in a natural order: 2 before 10."""
    return (0, int(project), "") if project.isdigit() else (1, 0, project)


class Command(BaseCommand):
    help = (
        "Count an allocation anyone can check. `coproduce allocation run FILE.pb --rule "
        "equal-shares|greedy --json OUT` reads a pabulib file of approval ballots, counts "
        "it (the Method of Equal Shares with completion, or greedy by votes) and writes "
        '{"selected": [project ids], "cost": …, "budget": …} to OUT.'
    )
    # It reads a file and writes a file: no database, no site, so nothing to check.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run"])
        parser.add_argument("file", type=Path, help="A pabulib .pb file.")
        parser.add_argument("--rule", choices=allocation.RULES, default=allocation.EQUAL_SHARES)
        parser.add_argument("--json", type=Path, required=True, dest="out", help="Where to write.")
        parser.add_argument("--seed", default="", help="Seeds the draw that breaks full ties.")

    def handle(self, *args, action, file, rule, out, seed, **options):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            election = pabulib.read(text).election(seed=seed)
            outcome = allocation.count(election, rule)
        except ApplicationError as error:
            raise CommandError(f"{file}: {error.message}") from error
        result = {
            "selected": sorted(outcome.selected, key=by_id),
            "cost": outcome.cost,
            "budget": outcome.budget,
        }
        out.write_text(json.dumps(result, ensure_ascii=False) + "\n", encoding="utf-8")
        self.stdout.write(
            f"{rule}: {len(outcome.selected)} of {len(election.costs)} projects funded, "
            f"costing {outcome.cost} of {outcome.budget}. Written to {out}."
        )
