"""Counts the votes already cast into the running tallies (each participant's latest
vote per statement, with sides as in models.side_of) and each conversation's
`votes_cast`, one conversation at a time."""

from collections import defaultdict

from django.db import migrations

COUNT_OF = {1: "agree", -1: "disagree", 0: "passed"}
SIDE_OF_VOTE = {1: "agree", -1: "disagree"}


def side_of(role):
    if role == "anonymous":
        return None
    return "users" if role == "user" else "staff"


def fill(apps, schema_editor):
    Conversation = apps.get_model("deliberation", "Conversation")
    Participant = apps.get_model("deliberation", "Participant")
    Statement = apps.get_model("deliberation", "Statement")
    StatementTally = apps.get_model("deliberation", "StatementTally")
    Vote = apps.get_model("deliberation", "Vote")
    for conversation in Conversation.objects.all().iterator():
        latest = {}
        cast = 0
        for participant_id, statement_id, value in (
            Vote.objects.filter(statement__conversation=conversation)
            .order_by("id")
            .values_list("participant_id", "statement_id", "value")
            .iterator(chunk_size=10_000)
        ):
            latest[participant_id, statement_id] = value
            cast += 1
        roles = dict(
            Participant.objects.filter(conversation=conversation).values_list("pk", "role")
        )
        counts = defaultdict(lambda: defaultdict(int))
        for (participant_id, statement_id), value in latest.items():
            row = counts[statement_id]
            row[COUNT_OF[value]] += 1
            side = side_of(roles.get(participant_id))
            if side and value in SIDE_OF_VOTE:
                row[f"{side}_{SIDE_OF_VOTE[value]}"] += 1
        StatementTally.objects.filter(conversation=conversation).delete()
        StatementTally.objects.bulk_create(
            [
                StatementTally(statement_id=pk, conversation=conversation, **counts.get(pk, {}))
                for pk in Statement.objects.filter(conversation=conversation).values_list(
                    "pk", flat=True
                )
            ],
            batch_size=1000,
        )
        Conversation.objects.filter(pk=conversation.pk).update(votes_cast=cast)


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0003_running_tallies")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
