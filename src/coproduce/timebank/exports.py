"""Large CSV exports (the whole ledger, every balance, the audit log as filtered),
written by a task, not in a request.

`write` streams the rows from the database (`.iterator(chunk_size=...)`: a server-side
cursor on PostgreSQL) into a file in EXPORT_ROOT a line at a time, through the same safe
cells, byte-order mark and local times as every CSV download (coproduce/csv_export.py),
so the memory it takes does not grow with the ledger. The file is written under a
temporary name and renamed when complete: a download never sees half a file.

`run` is what the task does: claim a waiting export (so two workers never write one
twice), write it, mark it ready with its expiry and tell the person through the
notification system with a link that only they may use. `clean` deletes the files whose
days are up.
"""

import datetime
import logging
import os
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coproduce.csv_export import hours_decimal, hours_hmm, local_time, write_csv_file
from coproduce.hubs import audit_export

from . import selectors
from .models import AccountKind, Entry, Export, ExportKind, ExportStatus, TransferKind

logger = logging.getLogger("coproduce.exports")

CHUNK = 5000
LEDGER_HEADER = [
    "Date and time",
    "Transfer",
    "What",
    "Account",
    "Account kind",
    "Hours (h:mm)",
    "Hours (decimal)",
    "Minutes",
    "Description",
]
# A waiting or half-written export older than this was lost (a worker stopped): asking
# again starts a new one.
STALE_AFTER = datetime.timedelta(hours=1)


def path_of(export: Export) -> Path:
    return Path(settings.EXPORT_ROOT) / f"{export.token}.csv"


def ledger_rows(hub, _params=None):
    """The hub's ledger, a line per entry, oldest transfer first: plain values read in
    chunks, never model objects for the whole ledger."""
    kinds = dict(TransferKind.choices)
    account_kinds = dict(AccountKind.choices)
    own_names = {
        AccountKind.CHEST: f"{hub.name}: community chest",
        AccountKind.HUB: f"{hub.name}: hub (opening grants)",
    }
    rows = (
        Entry.objects.filter(transfer__hub=hub)
        .order_by("transfer_id", "id")
        .values_list(
            "transfer__created_at",
            "transfer_id",
            "transfer__kind",
            "account__kind",
            "account__membership__person__display_name",
            "account__organisation__name",
            "amount_minutes",
            "direction",
            "transfer__memo",
        )
    )
    for (
        at,
        transfer_id,
        kind,
        account_kind,
        person,
        organisation,
        amount,
        direction,
        memo,
    ) in rows.iterator(chunk_size=CHUNK):
        minutes = amount * direction
        yield [
            local_time(at),
            transfer_id,
            kinds.get(kind, kind),
            person or organisation or own_names.get(account_kind, ""),
            account_kinds.get(account_kind, account_kind),
            hours_hmm(minutes),
            hours_decimal(minutes),
            minutes,
            memo,
        ]


BALANCES_HEADER = ["Name", "Kind", "Balance (h:mm)", "Balance (decimal hours)", "Last activity"]


def balance_rows(hub, params: dict):
    """Every account's balance, in the order the coordinator was looking at."""
    order = params.get("order", "name")
    if order not in selectors.BALANCE_ORDERS:
        order = "name"
    for account in selectors.balances(hub, order).iterator(chunk_size=CHUNK):
        yield [
            account.holder_name,
            account.get_kind_display(),
            hours_hmm(account.balance_minutes),
            hours_decimal(account.balance_minutes),
            local_time(account.last_activity),
        ]


# kind -> (header, rows(hub, params))
WRITERS = {
    ExportKind.LEDGER: (LEDGER_HEADER, ledger_rows),
    ExportKind.BALANCES: (BALANCES_HEADER, balance_rows),
    ExportKind.AUDIT: (audit_export.HEADER, audit_export.rows),
}


def write(export: Export, path: Path) -> tuple[int, int]:
    """Write the export's CSV to `path`; returns (lines of data, bytes)."""
    header, rows = WRITERS[export.kind]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "w", newline="", encoding="utf-8") as out:
        count = write_csv_file(out, header, rows(export.hub, export.params or {}))
    os.replace(partial, path)
    return count, path.stat().st_size


def run(export_id: int) -> str:
    """Write one waiting export and tell its person; the export's status afterwards."""
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.WAITING).update(
        status=ExportStatus.WRITING
    )
    export = Export.objects.select_related("hub", "requested_by").filter(pk=export_id).first()
    if not claimed or export is None:
        return export.status if export else "gone"
    try:
        rows, size = write(export, path_of(export))
    except Exception:
        logger.exception("Export %s of %s failed", export.pk, export.hub.slug)
        Export.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, finished_at=timezone.now()
        )
        _tell(export, ready=False)
        return ExportStatus.FAILED
    now = timezone.now()
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.READY,
        rows=rows,
        size_bytes=size,
        finished_at=now,
        expires_at=now + datetime.timedelta(days=settings.EXPORT_KEEP_DAYS),
    )
    export.rows = rows
    _tell(export, ready=True)
    return ExportStatus.READY


def _tell(export: Export, *, ready: bool) -> None:
    from coproduce.notify.models import Kind
    from coproduce.notify.services import tell

    what = export.get_kind_display().lower()
    hub = export.hub
    tell(
        [export.requested_by],
        kind=Kind.EXPORT,
        hub=hub,
        subject=(
            f"Your file of {what} of {hub.name} is ready"
            if ready
            else f"Your file of {what} of {hub.name} could not be prepared"
        ),
        template="timebank/email/export_ready.txt",
        context={
            "export": export,
            "hub": hub,
            "ready": ready,
            "days": settings.EXPORT_KEEP_DAYS,
        },
        url=reverse("export-download", args=[hub.slug, export.token])
        if ready
        else reverse("exports", args=[hub.slug]),
    )


def clean(now: datetime.datetime | None = None) -> int:
    """Delete the files whose days are up (and any half-written file a stopped worker
    left a day ago or more); the exports stay listed as deleted. Returns how many."""
    now = now or timezone.now()
    done = 0
    for export in Export.objects.filter(status=ExportStatus.READY, expires_at__lte=now):
        path_of(export).unlink(missing_ok=True)
        Export.objects.filter(pk=export.pk).update(status=ExportStatus.EXPIRED)
        done += 1
    root = Path(settings.EXPORT_ROOT)
    if root.is_dir():
        cutoff = (now - datetime.timedelta(days=1)).timestamp()
        for partial in root.glob("*.partial"):
            if partial.stat().st_mtime < cutoff:
                partial.unlink(missing_ok=True)
    return done
