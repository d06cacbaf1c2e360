import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coproduce.deliberation import polis, services
from coproduce.deliberation.models import Conversation
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub


def _count(n: int, one: str, many: str | None = None) -> str:
    """'1 vote', '2,972 votes'."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def summary(analysis, vote_count: int) -> str:
    """'2,972 votes from 337 people: 2 opinion groups (79, 59 people; 199 in no group),
    1 common-ground statement (surest first), 3 divides.'"""
    people = len(analysis.group_of)
    ungrouped = sum(1 for group in analysis.group_of.values() if group is None)
    sizes = ", ".join(f"{len(group.members):,}" for group in analysis.groups)
    sizes += " people"  # a group is never of one person
    if ungrouped:
        sizes += f"; {ungrouped:,} in no group"
    return (
        f"{_count(vote_count, 'vote')} from {_count(people, 'person', 'people')}: "
        f"{_count(analysis.k, 'opinion group')} ({sizes}), "
        f"{_count(len(analysis.consensus), 'common-ground statement')} (surest first), "
        f"{_count(len(analysis.divides), 'divide')}."
    )


class Command(BaseCommand):
    # `analyse` reads files and writes a file; `import` only adds rows. Neither needs the
    # deployment checks a web server does.
    requires_system_checks = []
    help = (
        "Polis open-data exports. `coproduce opinion analyse DIR --json OUT` writes each "
        "participant's group and sub-group, the groups' and sub-groups' representative "
        "statements, the common ground (surest first: ordered by how sure the votes make "
        "us that every group agrees, with at least five voters in every group), the "
        "divides, each statement's predicted share of all participants who would agree "
        "(with its 95% range) and a 2-D map. `coproduce opinion import DIR --hub SLUG` loads the "
        "export as a closed conversation of the hub. `coproduce opinion check-tallies` "
        "compares every conversation's running vote counts with a recount of its votes "
        "(--rebuild writes the recount). `coproduce opinion refresh` brings every "
        "conversation's analysis up to date now (e.g. after an upgrade)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["analyse", "import", "check-tallies", "refresh"])
        parser.add_argument("directory", type=Path, nargs="?", help="analyse, import")
        parser.add_argument("--json", dest="output", type=Path, help="analyse: where to write")
        parser.add_argument("--hub", help="import: the hub's address (slug)")
        parser.add_argument("--question", help="import: the question (default: the topic)")
        parser.add_argument(
            "--skip-bad-lines",
            action="store_true",
            help="Leave out lines that cannot be read (each is reported) instead of stopping.",
        )
        parser.add_argument(
            "--rebuild", action="store_true", help="check-tallies: write the recount"
        )

    def handle(self, *args, action, directory, output, skip_bad_lines, **options):
        if action == "check-tallies":
            self._check_tallies(options["rebuild"])
            return
        if action == "refresh":
            for conversation in Conversation.objects.order_by("pk"):
                services.analysis_refresh(conversation)
            self.stdout.write("Every conversation's analysis is up to date.")
            return
        if directory is None:
            raise CommandError(f"{action}: say which export directory.")
        if action == "analyse" and output is None:
            raise CommandError("analyse: say where to write the result with --json OUT.")
        if action == "import" and not options["hub"]:
            raise CommandError("import: say which hub with --hub SLUG.")
        try:
            export = polis.read_export(directory, skip_bad_lines=skip_bad_lines)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        for problem in export.skipped:
            self.stderr.write(f"Skipped {problem}")
        if action == "import":
            self._import(directory, export, options["hub"], options["question"])
            return
        from coproduce.deliberation import engine  # NumPy and SciPy only when analysing

        analysis = engine.analyse(engine.Votes.from_log(export.votes))
        output.write_text(json.dumps(polis.as_json(analysis), indent=1) + "\n")
        if not analysis.ready:
            self.stdout.write(analysis.message)
        else:
            self.stdout.write(summary(analysis, len(export.votes)))
        self.stdout.write(f"Written to {output}")

    def _import(self, directory, export, slug, question):
        hub = Hub.objects.filter(slug=slug).first()
        if hub is None:
            raise CommandError(f"--hub: no hub with the address {slug!r}.")
        try:
            conversation = services.conversation_import(
                actor=None,
                hub=hub,
                export=export,
                question=question or polis.topic(directory) or directory.name,
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"Imported \u201c{conversation.question}\u201d into {hub.name}: "
            f"{conversation.statements.count()} statements, "
            f"{conversation.participants.count()} participants, {len(export.votes)} votes."
        )

    def _check_tallies(self, rebuild):
        problems = []
        conversations = Conversation.objects.order_by("pk")
        for conversation in conversations:
            found = services.tallies_check(conversation)
            problems += found
            if found and rebuild:
                services.tallies_rebuild(conversation)
        for problem in problems:
            self.stderr.write(problem)
        if problems and not rebuild:
            raise CommandError(
                f"{len(problems)} count(s) differ from a recount of the votes. "
                "Run `coproduce opinion check-tallies --rebuild` to write the recount."
            )
        self.stdout.write(
            f"Checked {conversations.count()} conversation(s): "
            + ("rebuilt where they differed." if problems else "every count matches a recount.")
        )
