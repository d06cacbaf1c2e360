"""Large exports: ask for the file, see how it is getting on, download it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs import audit_export
from coproduce.hubs.forms import AuditFilterForm
from coproduce.hubs.models import Hub

from . import access, exports, selectors, services
from .models import Export, ExportKind, ExportStatus

PREPARING = "We are preparing your file; we will tell you when it is ready."
ALREADY = "You already asked for this file: we are preparing it and will tell you when it is ready."


@login_required
def export_list(request, slug):
    """A coordinator asks for a file whose size grows with the hub (the whole ledger, every
    balance, the audit log as filtered on its page) and sees their recent files."""
    hub = get_object_or_404(Hub, slug=slug)
    membership = hub_access.require_coordinator(request.user, hub)
    if not access.may_export(membership):
        raise PermissionDenied("Only the hub's coordinators may take its data away.")
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            export, new = services.export_request(
                actor=request.user, hub=hub, kind=kind, params=_chosen(request, hub, kind)
            )
        except ApplicationError as error:
            messages.error(request, error.for_people)
        else:
            export.refresh_from_db()  # written already, if tasks run straight away
            if export.status == ExportStatus.READY:
                messages.success(request, "Your file is ready: download it below.")
            else:
                messages.success(request, PREPARING if new else ALREADY)
        return redirect("exports", slug=slug)
    recent = list(Export.objects.filter(hub=hub, requested_by=request.user)[:10])
    for export in recent:
        export.chosen = _described(export)
    return render(
        request,
        "timebank/exports.html",
        {
            "hub": hub,
            "exports": recent,
            "kinds": ExportKind.choices,
            "preparing": any(e.is_pending for e in recent),
            "now": timezone.now(),
            "keep_days": settings.EXPORT_KEEP_DAYS,
        },
    )


def _chosen(request, hub, kind) -> dict:
    """What the person chose for this kind of file, checked: the audit log's filter (by
    the audit page's own form), the balances' order."""
    if kind == ExportKind.AUDIT:
        # The filter as the audit page sent it (prefixed: "kind" is the file's kind here).
        form = AuditFilterForm(request.POST, hub=hub, prefix="audit")
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            label = form.fields[field].label if field in form.fields else "Filter"
            raise ApplicationError(f"{label}: {errors[0]}", field=field)
        return audit_export.filter_params(form.cleaned_data)
    if kind == ExportKind.BALANCES:
        order = request.POST.get("order", "name")
        return {"order": order if order in selectors.BALANCE_ORDERS else "name"}
    return {}


def _described(export) -> str:
    params = export.params or {}
    if export.kind == ExportKind.AUDIT:
        return audit_export.describe_filter(params) or "every change"
    if export.kind == ExportKind.BALANCES:
        return dict(BALANCE_ORDER_WORDS).get(params.get("order", "name"), "")
    return ""


BALANCE_ORDER_WORDS = [
    ("name", "by name"),
    ("-name", "by name, Z to A"),
    ("balance", "lowest balance first"),
    ("-balance", "highest balance first"),
    ("activity", "least recent activity first"),
    ("-activity", "most recent activity first"),
]


@login_required
def export_download(request, slug, token):
    """The file, for the person who asked for it, until its days are up."""
    hub = get_object_or_404(Hub, slug=slug)
    export = access.export_for(request.user, hub, token)
    path = exports.path_of(export)
    gone = export.status == ExportStatus.EXPIRED or (
        export.expires_at is not None and export.expires_at <= timezone.now()
    )
    if export.status == ExportStatus.READY and not gone and path.is_file():
        return FileResponse(
            open(path, "rb"),
            as_attachment=True,
            filename=export.filename,
            content_type="text/csv; charset=utf-8",
        )
    if export.is_pending:
        reason = "This file is still being prepared. We will tell you when it is ready."
        status = 409
    elif export.status == ExportStatus.FAILED:
        reason = "This file could not be prepared. Ask for a new one."
        status = 410
    else:
        reason = (
            "This file is no longer here: files are deleted after a few days. Ask for a new one."
        )
        status = 410
    return render(
        request,
        "timebank/export_gone.html",
        {"hub": hub, "export": export, "reason": reason},
        status=status,
    )
