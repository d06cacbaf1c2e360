"""Download my data: everything about a person, as a zip they (and only they) download
through a short-lived link behind sign-in.

`collect(person)` gathers every section (export_sections.py) as plain rows. `write_zip`
writes the zip a section at a time, each section's rows read in chunks from the
database, so a person with 50,000 ledger entries does not fill the memory:

- data.json: one key per kind of record, a list of objects, ISO dates and times;
- one CSV per kind of record, through coproduce.csv_export (no cell runs as a formula;
  a byte-order mark so spreadsheets read the names);
- index.html: the same, to read and print, with headings and tables;
- README.txt: what each file is, and how long each kind of record is kept (the
  retention table, coproduce.insight.retention.TABLE, as it stands).

Other people appear only as "another member", the person as "you", organisations by
name. `run` is what the task does (as timebank/exports.py does for a hub's large files):
claim the waiting export, write it under a temporary name, rename it, mark it ready for
KEEP_HOURS and tell the person through the notification system. `clean` deletes the
files whose time is up.
"""

import datetime
import io
import json
import logging
import os
import zipfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from coproduce.csv_export import local_time, write_csv_file

from . import retention
from .export_sections import SECTIONS, Section, Who
from .models import ExportStatus, PersonalExport

logger = logging.getLogger("coproduce.exports")

KEEP_HOURS = 48
# A waiting export older than this was lost (a worker stopped): asking again starts anew.
STALE_AFTER = datetime.timedelta(hours=1)


def keep_for() -> datetime.timedelta:
    return datetime.timedelta(hours=KEEP_HOURS)


def root() -> Path:
    return Path(settings.EXPORT_ROOT) / "people"


def path_of(export: PersonalExport) -> Path:
    return root() / f"{export.token}.zip"


def download_name(export: PersonalExport) -> str:
    return f"my-data-{timezone.localtime(export.requested_at):%Y-%m-%d}.zip"


def is_expired(export: PersonalExport, now: datetime.datetime | None = None) -> bool:
    return export.expires_at is not None and export.expires_at <= (now or timezone.now())


# --- values ---------------------------------------------------------------------------------


def json_value(value):
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def text_value(value) -> str:
    """As a person reads it: local times, "Yes"/"No", nothing for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return local_time(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# --- gathering --------------------------------------------------------------------------------


def collect(person) -> dict:
    """Everything about the person: {section key: [{column key: value}, ...]}."""
    who = Who(person)
    return {
        section.key: [
            dict(zip([c.key for c in section.columns], row, strict=True))
            for row in section.rows(person, who)
        ]
        for section in SECTIONS
    }


# --- the zip ----------------------------------------------------------------------------------


def write_zip(person, path) -> int:
    """Write the person's zip to `path` (under a temporary name, then renamed, so nobody
    ever sees half a file); returns its size in bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    who = Who(person)
    made = timezone.now()
    counts: dict[str, int] = {}
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with _text(archive, "data.json") as out:
            _write_json(out, person, who, made, counts)
        for section in SECTIONS:
            with _text(archive, f"{section.key}.csv", newline="") as out:
                _write_csv(out, section, person, who)
        with _text(archive, "index.html") as out:
            _write_html(out, person, who, made)
        with _text(archive, "README.txt") as out:
            out.write(readme(made, counts))
    os.replace(partial, path)
    return path.stat().st_size


class _text:
    """A text file inside the zip, written as it goes."""

    def __init__(self, archive, name, newline=None):
        self.raw = archive.open(name, "w", force_zip64=True)
        self.out = io.TextIOWrapper(self.raw, encoding="utf-8", newline=newline)

    def __enter__(self):
        return self.out

    def __exit__(self, *exc):
        self.out.flush()
        self.out.detach()
        self.raw.close()


def _write_json(out, person, who, made, counts) -> None:
    out.write("{\n")
    out.write(f'"made_at": {json.dumps(json_value(made))},\n')
    out.write('"people": "Other people appear as \\"another member\\"; you as \\"you\\"."')
    for section in SECTIONS:
        keys = [c.key for c in section.columns]
        out.write(f",\n{json.dumps(section.key)}: [")
        count = 0
        for row in section.rows(person, who):
            item = {key: json_value(value) for key, value in zip(keys, row, strict=True)}
            out.write(("," if count else "") + "\n  " + json.dumps(item, ensure_ascii=False))
            count += 1
        counts[section.key] = count
        out.write("\n]" if count else "]")
    out.write("\n}\n")


def _write_csv(out, section: Section, person, who) -> None:
    rows = ([text_value(v) for v in row] for row in section.rows(person, who))
    write_csv_file(out, [c.heading for c in section.columns], rows)


HTML_HEAD = """<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your data from Coproduce</title>
<style>
body {{ font-family: system-ui, sans-serif; line-height: 1.5; margin: 1rem; color: #111; }}
table {{ border-collapse: collapse; margin-bottom: 1.5rem; }}
th, td {{ border: 1px solid #666; padding: 0.25rem 0.5rem; text-align: left;
  vertical-align: top; }}
.wide {{ overflow-x: auto; }}
@media print {{ .wide {{ overflow: visible; }} h2 {{ break-after: avoid; }}
  tr {{ break-inside: avoid; }} }}
</style>
</head>
<body>
<main>
<h1>Your data</h1>
<p>Everything Coproduce holds about you, made on {made}. Other people appear as
"another member" and you as "you"; organisations by their names. The same is in
data.json (for computers) and in a spreadsheet file for each kind of record.</p>
<h2>Contents</h2>
<ul>
{contents}
</ul>
"""


def _write_html(out, person, who, made) -> None:
    contents = "\n".join(f'<li><a href="#{s.key}">{escape(s.title)}</a></li>' for s in SECTIONS)
    out.write(HTML_HEAD.format(made=escape(local_time(made)), contents=contents))
    for section in SECTIONS:
        out.write(f'<section id="{section.key}">\n<h2>{escape(section.title)}</h2>\n')
        out.write(f"<p>{escape(section.about)}</p>\n")
        count = 0
        for row in section.rows(person, who):
            if not count:
                # A wide table scrolls: its box is reachable by keyboard, and named.
                out.write(
                    f'<div class="wide" tabindex="0" role="region" '
                    f'aria-label="{escape(section.title)}"><table>\n<thead><tr>'
                )
                out.write(
                    "".join(f'<th scope="col">{escape(c.heading)}</th>' for c in section.columns)
                )
                out.write("</tr></thead>\n<tbody>\n")
            out.write(
                "<tr>" + "".join(f"<td>{escape(text_value(v))}</td>" for v in row) + "</tr>\n"
            )
            count += 1
        out.write("</tbody></table></div>\n" if count else "<p>Nothing recorded.</p>\n")
        out.write("</section>\n")
    out.write("</main>\n</body>\n</html>\n")


def readme(made: datetime.datetime, counts: dict[str, int]) -> str:
    lines = [
        "YOUR DATA FROM COPRODUCE",
        "",
        f'Made on {local_time(made)}. Other people appear as "another member" and you',
        'as "you"; organisations by their names.',
        "",
        "THE FILES",
        "",
        "index.html  Everything, to read in a web browser and print.",
        "data.json   Everything, for computers: one key for each kind of record.",
        "            Dates and times are in ISO 8601 form.",
    ]
    for section in SECTIONS:
        count = counts.get(section.key, 0)
        lines.append(
            f"{section.key}.csv  {section.title} ({count} {'row' if count == 1 else 'rows'})"
        )
    lines += ["", "HOW LONG EACH KIND OF RECORD IS KEPT", ""]
    table = list(retention.TABLE)
    if not table:
        lines.append("Ask your hub's coordinator, or read the privacy page of the site.")
    for rule in table:
        said = {"deleted": "deleted", "pseudonymised": "kept without your name", "kept": "kept"}
        what = said.get(getattr(rule, "on_erasure", ""), getattr(rule, "on_erasure", ""))
        lines.append(f"- {rule.kind}: when you are erased, {what}; kept {rule.kept_for}.")
        if getattr(rule, "why", ""):
            lines.append(f"  Why: {rule.why}")
    lines.append("")
    return "\n".join(lines)


# --- the task's work --------------------------------------------------------------------------


def run(export_id: int) -> str:
    """Write one waiting export and tell its person; the export's status afterwards.
    Claimed by setting its file name, so two workers never write one twice."""
    export = PersonalExport.objects.select_related("person").filter(pk=export_id).first()
    if export is None:
        return "gone"
    claimed = PersonalExport.objects.filter(
        pk=export_id, status=ExportStatus.WAITING, file_name=""
    ).update(file_name=f"{export.token}.zip")
    if not claimed:
        return export.status
    try:
        size = write_zip(export.person, path_of(export))
    except Exception:
        logger.exception("The data export %s failed", export.pk)
        PersonalExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
        _tell(export, ready=False)
        return ExportStatus.FAILED
    now = timezone.now()
    PersonalExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.READY, size_bytes=size, ready_at=now, expires_at=now + keep_for()
    )
    _tell(export, ready=True)
    return ExportStatus.READY


def _tell(export: PersonalExport, *, ready: bool) -> None:
    from coproduce.notify.models import Kind
    from coproduce.notify.services import tell

    tell(
        [export.person],
        kind=Kind.EXPORT,
        hub=None,
        subject="Your data is ready to download" if ready else "Your data could not be prepared",
        template="insight/email/data_ready.txt",
        context={"ready": ready, "hours": KEEP_HOURS},
        url=reverse("my-data-download", args=[export.token]) if ready else reverse("my-data"),
    )


def clean(now: datetime.datetime | None = None) -> str:
    """Delete the files whose time is up (and half-written files a stopped worker left a
    day ago or more); the exports stay listed, as expired. Says how many."""
    now = now or timezone.now()
    done = 0
    for export in PersonalExport.objects.filter(
        status=ExportStatus.READY, expires_at__lte=now
    ).exclude(file_name=""):
        path_of(export).unlink(missing_ok=True)
        PersonalExport.objects.filter(pk=export.pk).update(file_name="", size_bytes=0)
        done += 1
    if root().is_dir():
        cutoff = (now - datetime.timedelta(days=1)).timestamp()
        for partial in root().glob("*.partial"):
            if partial.stat().st_mtime < cutoff:
                partial.unlink(missing_ok=True)
    return f"Deleted {done} expired {'download' if done == 1 else 'downloads'} of people's data."
