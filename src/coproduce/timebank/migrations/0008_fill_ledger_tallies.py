"""Count the ledger written before its counts were kept: each hub's counts by month and
all time, and each member account's exchanges given and received, from the entries."""

from django.db import migrations


def fill(apps, schema_editor):
    from coproduce.timebank.tallies import rebuild

    Hub = apps.get_model("hubs", "Hub")
    for hub_id in Hub.objects.order_by("pk").values_list("pk", flat=True):
        rebuild(
            hub_id,
            hub_tally_model=apps.get_model("timebank", "HubTally"),
            account_tally_model=apps.get_model("timebank", "AccountTally"),
            entry_model=apps.get_model("timebank", "Entry"),
        )


def empty(apps, schema_editor):
    apps.get_model("timebank", "HubTally").objects.all().delete()
    apps.get_model("timebank", "AccountTally").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("timebank", "0007_ledger_tallies")]

    operations = [migrations.RunPython(fill, empty)]
