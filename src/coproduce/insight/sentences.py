"""How the audit log words the events of insight and people's data. Imported by
InsightConfig.ready(). Sentences never repeat what an erased person was called, nor what
anyone said in equality monitoring: the events hold neither."""

from coproduce.audit import AuditKind, Line, load_in_bulk, quote, renders

from .models import HealthCheck

load_in_bulk(healthcheck=HealthCheck.objects)


def _check(line: Line) -> str:
    if isinstance(line.subject, HealthCheck):
        return quote(line.subject.title)
    return quote(line.new["title"]) if line.new.get("title") else "a health check"


@renders(AuditKind.AREA_STATS_IMPORTED)
def _areas_imported(line: Line) -> str:
    count = line.new.get("areas")
    what = f"figures for {count:,} areas" if isinstance(count, int) else "area figures"
    return f"{line.actor} imported {what}"


@renders(AuditKind.NEIGHBOURHOOD_UPDATED)
def _neighbourhood_updated(line: Line) -> str:
    name = line.new.get("name")
    return f"{line.actor} changed the figures of the area {quote(name) if name else ''}".strip()


@renders(AuditKind.INSIGHT_SETTINGS_UPDATED)
def _settings(line: Line) -> str:
    return f"{line.actor} changed how the hub's insight is valued and shown"


@renders(AuditKind.EQUALITY_ANSWERS_SAVED)
def _equality_saved(line: Line) -> str:
    return f"{line.actor} saved answers to the equality questions"


@renders(AuditKind.EQUALITY_ANSWERS_DELETED)
def _equality_deleted(line: Line) -> str:
    return f"{line.actor} deleted their answers to the equality questions"


@renders(AuditKind.HEALTH_CHECK_OPENED)
def _check_opened(line: Line) -> str:
    return f"{line.actor} opened the health check {_check(line)}"


@renders(AuditKind.HEALTH_CHECK_ANSWERED)
def _check_answered(line: Line) -> str:
    if line.person:
        return f"{line.actor} entered {line.person}'s answers to the health check {_check(line)}"
    return f"{line.actor} answered the health check {_check(line)}"


@renders(AuditKind.HEALTH_CHECK_REMINDED)
def _check_reminded(line: Line) -> str:
    return f"The hub reminded people to take the health check {_check(line)}"


@renders(AuditKind.DATA_EXPORT_REQUESTED)
def _export(line: Line) -> str:
    return f"{line.actor} asked for a download of their own data"


@renders(AuditKind.ERASURE_REQUESTED)
def _erasure_requested(line: Line) -> str:
    return f"{line.actor} asked for a person's account to be erased"


@renders(AuditKind.PERSON_ERASED)
def _erased(line: Line) -> str:
    pseudonym = line.new.get("pseudonym") or "a former member"
    return f"A person's account was erased; they are now {pseudonym}{line.by}"


@renders(AuditKind.INACTIVITY_WARNED)
def _warned(line: Line) -> str:
    days = line.new.get("days_before")
    when = f"in {days} days" if isinstance(days, int) else "soon"
    return f"The hub warned an inactive account that it will be cleared {when}"
