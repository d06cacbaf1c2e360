"""Accounts are now opened when a membership starts (and a hub's rules, chest and hub
account with the hub), never when a page is first read. This opens what earlier
installations left to be opened on first use, with the opening grant the hub gives, in
the same shape as the ledger writes it: a sealed transfer of two entries that sum to zero.
"""

import hashlib
import json

from django.db import migrations
from django.db.models import F
from django.utils import timezone

OPENING_MEMO = "Welcome: opening hours"


def _fingerprint(legs, memo):
    # The same as ledger.fingerprint, so a later retry with this key is recognised.
    content = {"kind": "opening", "legs": sorted(legs), "memo": memo, "reverses": None}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def open_accounts(apps, schema_editor):
    Hub = apps.get_model("hubs", "Hub")
    Membership = apps.get_model("hubs", "Membership")
    Organisation = apps.get_model("hubs", "Organisation")
    Account = apps.get_model("timebank", "Account")
    Policy = apps.get_model("timebank", "TimebankPolicy")
    Transfer = apps.get_model("timebank", "Transfer")
    Entry = apps.get_model("timebank", "Entry")

    for hub in Hub.objects.all():
        policy, _ = Policy.objects.get_or_create(hub=hub)
        for kind in ("chest", "hub"):
            Account.objects.get_or_create(hub=hub, kind=kind)
        hub_account = Account.objects.get(hub=hub, kind="hub")
        for organisation in Organisation.objects.filter(hub=hub, account__isnull=True):
            Account.objects.get_or_create(
                organisation=organisation, defaults={"hub": hub, "kind": "organisation"}
            )
        grant = policy.opening_grant_minutes
        # People who have left open their account if they come back.
        for membership in Membership.objects.filter(hub=hub, is_active=True, account__isnull=True):
            account, created = Account.objects.get_or_create(
                membership=membership, defaults={"hub": hub, "kind": "member"}
            )
            if not created:  # opened meanwhile by a web process still on the old code
                continue
            key = f"opening:{membership.pk}"
            if not grant or Transfer.objects.filter(hub=hub, idempotency_key=key).exists():
                continue
            legs = [(hub_account.pk, -grant), (account.pk, grant)]
            transfer = Transfer.objects.create(
                hub=hub,
                kind="opening",
                idempotency_key=key,
                fingerprint=_fingerprint(legs, OPENING_MEMO),
                memo=OPENING_MEMO,
                created_at=timezone.now(),
            )
            Entry.objects.bulk_create(
                Entry(
                    transfer=transfer,
                    account_id=account_id,
                    amount_minutes=abs(minutes),
                    direction=1 if minutes > 0 else -1,
                )
                for account_id, minutes in legs
            )
            for account_id, minutes in legs:
                Account.objects.filter(pk=account_id).update(
                    balance_minutes=F("balance_minutes") + minutes
                )
            transfer.sealed = True
            transfer.save(update_fields=["sealed"])


class Migration(migrations.Migration):
    dependencies = [
        ("hubs", "0003_neighbourhood_adjacent"),
        ("timebank", "0002_ledger_rules"),
    ]

    operations = [migrations.RunPython(open_accounts, migrations.RunPython.noop)]
