"""How the audit log words pledge and report events."""

import contextlib
import datetime

from coproduce.audit import AuditKind, Line, loads, possessive, quote, renders

from .models import Pledge, Report, ReportStatus
from .wording import mid_sentence


@loads("pledge")
def _pledges(ids):
    return Pledge.objects.in_bulk(ids)


@loads("report")
def _reports(ids):
    return Report.objects.select_related("category").in_bulk(ids)


def _pledge(line: Line) -> str:
    title = line.subject.title if line.subject else line.new.get("title", "")
    return f"the pledge {quote(title)}" if title else "a pledge"


def _report(line: Line) -> str:
    if line.subject:
        return f"a report of {mid_sentence(line.subject.category.name)}"
    return "a report"


def _status(value) -> str:
    return ReportStatus(value).label.lower() if value in ReportStatus.values else "changed"


@renders(AuditKind.PLEDGE_CREATED)
def _created(line: Line) -> str:
    return f"{line.actor} drafted {_pledge(line)}"


@renders(AuditKind.PLEDGE_CHANGED)
def _changed(line: Line) -> str:
    if "is_template" in line.new:
        if line.new["is_template"]:
            return f"{line.actor} offered {_pledge(line)} as a template for other hubs"
        return f"{line.actor} stopped offering {_pledge(line)} as a template"
    if "users_side" in line.new:  # a count of the users' side, on the scorecard
        month = line.new.get("month", "")
        with contextlib.suppress(ValueError, TypeError):
            month = datetime.date.fromisoformat(month).strftime("%B %Y")
        return (
            f"{line.actor} counted {line.new.get('count')} for "
            f"{quote(line.new['users_side'])} in {month} on the scorecard of {_pledge(line)}"
        )
    return f"{line.actor} changed the draft of {_pledge(line)}"


@renders(AuditKind.PLEDGE_SIGNED)
def _signed(line: Line) -> str:
    side = (
        "for the people who use the service"
        if line.new.get("role") == "users"
        else ("for the service")
    )
    return f"{line.actor} signed off {_pledge(line)} {side}"


@renders(AuditKind.PLEDGE_PUBLISHED)
def _published(line: Line) -> str:
    return f"{line.actor} published version {line.new.get('version', '')} of {_pledge(line)}"


@renders(AuditKind.PLEDGE_RETIRED)
def _retired(line: Line) -> str:
    return f"{line.actor} retired {_pledge(line)}"


@renders(AuditKind.PLEDGE_ADOPTED)
def _adopted(line: Line) -> str:
    return f"{line.actor} adopted {_pledge(line)} from a template"


@renders(AuditKind.CALENDAR_CHANGED)
def _calendar(line: Line) -> str:
    if "place" in line.new:
        verb = "changed" if line.old else "added"
        return f"{line.actor} {verb} the service's place {quote(line.new['place'])}"
    if "holiday" in line.new:
        return f"{line.actor} added the holiday {quote(line.new.get('name', ''))}"
    if "holiday" in line.old:
        return f"{line.actor} removed the holiday {quote(line.old.get('name', ''))}"
    return f"{line.actor} changed the working calendar"


@renders(AuditKind.REPORT_CREATED)
def _reported(line: Line) -> str:
    if line.new.get("source") == "open311" and not line.automatic:
        return f"{possessive(line.actor)} Open311 client sent in {_report(line)}"
    if line.person:
        return f"{line.actor} made {_report(line)} for {line.person}"
    return f"{line.actor} made {_report(line)}"


@renders(AuditKind.REPORT_UPDATED)
def _updated(line: Line) -> str:
    return f"{line.actor} marked {_report(line)} {_status(line.new.get('status'))}"


@renders(AuditKind.REPORT_JOINED)
def _joined(line: Line) -> str:
    return f"{line.actor} said “me too” on {_report(line)}"


@renders(AuditKind.REPORT_ANSWERED)
def _answered(line: Line) -> str:
    answer = "fixed" if line.new.get("fixed") else "not fixed"
    way = line.new.get("way")
    if way == "email_link":  # no account: nobody to name
        return f"The person who made {_report(line)} said it was {answer} (by email link)"
    if way == "recorded":
        whom = line.person or "the person who reported it"
        return f"{line.actor} recorded that {whom} said {_report(line)} was {answer}"
    return f"{line.actor} said {_report(line)} was {answer}"


@renders(AuditKind.REPORT_MODERATED)
def _moderated(line: Line) -> str:
    return f"{line.actor} moderated the text of {_report(line)}"


@renders(AuditKind.REPORT_ESCALATED)
def _escalated(line: Line) -> str:
    return f"{_report(line).capitalize()} passed its expected date and was escalated"
