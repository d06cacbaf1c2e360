"""Download my data: what it gives and the button, the person's recent downloads, the
download itself behind sign-in; and a coordinator's download of the data of a member
who is not online, to print and post to them."""

import shutil
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from coproduce.errors import ApplicationError

from . import access, exports
from .export_sections import SECTIONS
from .models import ExportStatus, PersonalExport
from .services import exports as services

READY = "Your data is ready: download it below."
MAKING = "We are making your download; we will tell you when it is ready."
ALREADY = "You already asked: we are making your download and will tell you when it is ready."


def _state(export: PersonalExport, now) -> str:
    if export.status == ExportStatus.READY:
        return "expired" if exports.is_expired(export, now) or not export.file_name else "ready"
    return export.status


@login_required
def my_data(request):
    now = timezone.now()
    recent = list(PersonalExport.objects.filter(person=request.user)[:5])
    for export in recent:
        export.state = _state(export, now)
    return render(
        request,
        "insight/my_data.html",
        {
            "exports": recent,
            "making": any(e.state == ExportStatus.WAITING for e in recent),
            "sections": SECTIONS,
            "hours": exports.KEEP_HOURS,
        },
    )


@login_required
@require_POST
def export_request(request):
    try:
        export, new = services.export_request(actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.for_people)
        return redirect("my-data")
    export.refresh_from_db()  # made already, if tasks run straight away
    if export.status == ExportStatus.READY:
        messages.success(request, READY)
    elif export.status == ExportStatus.FAILED:
        messages.error(request, "Your download could not be made. Please ask again.")
    else:
        messages.success(request, MAKING if new else ALREADY)
    return redirect("my-data")


@login_required
def export_download(request, token):
    """The zip, for the person who asked, until its time is up."""
    export = access.export_of(request.user, token)
    state = _state(export, timezone.now())
    path = exports.path_of(export)
    if state == "ready" and path.is_file():
        return FileResponse(
            open(path, "rb"),
            as_attachment=True,
            filename=exports.download_name(export),
            content_type="application/zip",
        )
    if state == ExportStatus.WAITING:
        reason, status = (
            "Your download is still being made. We will tell you when it is ready.",
            409,
        )
    elif state == ExportStatus.FAILED:
        reason, status = "This download could not be made. Ask for a new one.", 410
    else:
        reason = (
            f"This link has expired: downloads are deleted {exports.KEEP_HOURS} hours after "
            "they are made, to keep your data safe. Ask for a new one."
        )
        status = 410
    return render(
        request, "insight/export_gone.html", {"export": export, "reason": reason}, status=status
    )


@login_required
def member_data(request, slug, person_id):
    """A coordinator downloads the data of a member who is not online, to print and post
    to them. Made on the spot, kept nowhere: reading it changes nothing."""
    hub = access.hub_for(slug)
    person = access.member_for_download(request.user, hub, person_id)
    folder = Path(tempfile.mkdtemp(prefix="member-data-"))
    try:
        path = folder / "data.zip"
        exports.write_zip(person, path)
        handle = open(path, "rb")  # noqa: SIM115 (closed by the response)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the open file is read to its end
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"member-data-{hub.slug}-{timezone.localdate():%Y-%m-%d}.zip",
        content_type="application/zip",
    )
