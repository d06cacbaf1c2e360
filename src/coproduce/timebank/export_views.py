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
from coproduce.hubs.models import Hub

from . import access, exports, services
from .models import Export, ExportKind, ExportStatus

PREPARING = "We are preparing your file; we will tell you when it is ready."
ALREADY = "You already asked for this file: we are preparing it and will tell you when it is ready."


@login_required
def export_list(request, slug):
    """A coordinator asks for the whole ledger as a CSV and sees their recent files."""
    hub = get_object_or_404(Hub, slug=slug)
    membership = hub_access.require_coordinator(request.user, hub)
    if not access.may_export(membership):
        raise PermissionDenied("Only the hub's coordinators may take its ledger away.")
    if request.method == "POST":
        try:
            export, new = services.export_request(
                actor=request.user, hub=hub, kind=request.POST.get("kind", "")
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            export.refresh_from_db()  # written already, if tasks run straight away
            if export.status == ExportStatus.READY:
                messages.success(request, "Your file is ready: download it below.")
            else:
                messages.success(request, PREPARING if new else ALREADY)
        return redirect("exports", slug=slug)
    recent = list(Export.objects.filter(hub=hub, requested_by=request.user)[:10])
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
