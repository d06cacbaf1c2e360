"""How the audit log words the referrals app's events: referrals, offers to volunteers,
escalations, projects, rotas and the hub's referral settings. Imported by
ReferralsConfig.ready()."""

from coproduce.audit import (
    AuditKind,
    Line,
    day,
    label_of,
    listed,
    load_in_bulk,
    lower_first,
    possessive,
    quote,
    renders,
    when,
)
from coproduce.timebank.models import format_minutes

from .models import (
    Assignment,
    Escalation,
    EscalationKind,
    HelpKind,
    MatchOffer,
    Outcome,
    Project,
    ProjectKind,
    Referral,
    Route,
    Slot,
    Urgency,
)

load_in_bulk(
    referral=Referral.objects.select_related("person"),
    matchoffer=MatchOffer.objects.select_related("volunteer", "referral__person"),
    escalation=Escalation.objects,
    project=Project.objects,
    slot=Slot.objects.select_related("project"),
    assignment=Assignment.objects.select_related("slot__project", "person"),
)


def _minutes(value) -> str | None:
    return format_minutes(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _because(text) -> str:
    return f": {quote(text)}" if text else ""


# --- referrals -----------------------------------------------------------------------------


def _referred(line: Line) -> str:
    """ "the referral of Ron Assisted"."""
    person = line.person or (line.subject.person.display_name if line.subject else None)
    return f"the referral of {person}" if person else "a referral"


@renders(AuditKind.REFERRAL_CREATED, refs={"category": "category"})
def _referral_created(line: Line) -> str:
    category = line.ref("category")
    kind = f" for help with {category.name}" if category else ""
    urgency = label_of(Urgency, line.new.get("urgency"), "")
    how_soon = f" ({lower_first(urgency.split(':')[0])})" if urgency else ""
    person = line.person or "someone"
    return f"{line.actor} referred {person} to the hub{kind}{how_soon}"


@renders(AuditKind.REFERRAL_TRIAGED)
def _triaged(line: Line) -> str:
    extra = []
    if line.new.get("needs_check"):
        extra.append("a volunteer will need a safeguarding check")
    assets = line.new.get("assets")
    if assets:
        extra.append(f"they can give {listed(str(a) for a in assets)}")
    detail = f" ({'; '.join(extra)})" if extra else ""
    return f"{line.actor} triaged {_referred(line)}{detail}"


@renders(AuditKind.REFERRAL_MATCHED)
def _matched(line: Line) -> str:
    return f"{line.actor} took on {_referred(line)}"


@renders(AuditKind.REFERRAL_STARTED)
def _started(line: Line) -> str:
    return f"{line.actor} said help is under way for {_referred(line)}"


@renders(AuditKind.REFERRAL_ESCALATED)
def _escalated(line: Line) -> str:
    if line.automatic:
        return f"{_referred(line)} was escalated to staff, as nobody took it on in time"
    return f"{line.actor} escalated {_referred(line)} to staff"


@renders(AuditKind.REFERRAL_PLANNED, refs={"project": "project"})
def _planned(line: Line) -> str:
    kind = label_of(HelpKind, line.new.get("kind"), "")
    turns = line.new.get("turns")
    what = "regular help"
    if kind and isinstance(turns, int):
        what = f"{turns} {lower_first(kind)}{'' if turns == 1 else 's'}"
    first = line.new.get("first")
    start = f" from {when(first)}" if first else ""
    project = line.ref("project")
    on = f" on {_rota(project)}" if project else ""
    return f"{line.actor} set up {what} for {_referred(line)}{start}{on}"


@renders(AuditKind.REFERRAL_CLOSED)
def _closed(line: Line) -> str:
    outcome = label_of(Outcome, line.new.get("outcome"), "")
    result = f" ({lower_first(outcome)})" if outcome else ""
    return f"{line.actor} closed {_referred(line)}{result}{_because(line.new.get('note'))}"


# --- asking volunteers ---------------------------------------------------------------------


def _offer_people(line: Line) -> tuple[str, str]:
    """(the volunteer, the person referred)."""
    offer = line.subject
    volunteer = line.person or (offer.volunteer.display_name if offer else None)
    referred = offer.referral.person.display_name if offer else None
    return volunteer or "a volunteer", referred or "someone"


@renders(AuditKind.OFFER_SENT)
def _offer_sent(line: Line) -> str:
    volunteer, referred = _offer_people(line)
    return f"{line.actor} asked {volunteer} to help {referred}"


@renders(AuditKind.OFFER_DECLINED)
def _offer_declined(line: Line) -> str:
    volunteer, referred = _offer_people(line)
    if volunteer == "a volunteer" or line.event.actor_id == getattr(
        line.subject, "volunteer_id", 0
    ):
        volunteer = line.actor
    return f"{volunteer} said no to helping {referred}{_because(line.new.get('reason'))}"


@renders(AuditKind.OFFER_WITHDRAWN)
def _offer_withdrawn(line: Line) -> str:
    volunteer, referred = _offer_people(line)
    return f"{line.actor} withdrew the question to {volunteer} about helping {referred}"


# --- escalations ---------------------------------------------------------------------------


def _escalation(line: Line) -> str:
    if line.subject is not None:
        return quote(line.subject.summary)
    kind = label_of(EscalationKind, line.new.get("kind"), "")
    return f"an escalation ({lower_first(kind)})" if kind else "an escalation"


@renders(AuditKind.ESCALATION_RAISED, refs={"assigned_to": "person"})
def _raised(line: Line) -> str:
    to = line.ref("assigned_to")
    by = "The failsafe check" if line.automatic else line.actor
    if line.subject is None:
        return f"{by} raised {_escalation(line)}" + (f" for {to.display_name}" if to else "")
    return f"{by} escalated {_escalation(line)}" + (f" to {to.display_name}" if to else "")


@renders(AuditKind.ESCALATION_REASSIGNED, refs={"assigned_to": "person"})
def _reassigned(line: Line) -> str:
    before, after = line.ref("assigned_to", old=True), line.ref("assigned_to")
    to = after.display_name if after else "someone else"
    if line.automatic:
        gone = f", as {before.display_name} is no longer on the staff" if before else ""
        return f"{_escalation(line)} was handed to {to} automatically{gone}"
    from_ = f" from {before.display_name}" if before else ""
    return f"{line.actor} handed {_escalation(line)}{from_} to {to}"


@renders(AuditKind.ESCALATION_RESOLVED)
def _resolved(line: Line) -> str:
    return f"{line.actor} resolved {_escalation(line)}{_because(line.new.get('resolution'))}"


# --- the hub's referral settings -------------------------------------------------------------


def _setting(line: Line, key: str, value) -> str | None:
    if key == "unmatched_days":
        return f"referrals and requests escalate after {value} days without a match"
    if key == "unfilled_slot_hours":
        return f"gaps in a rota escalate {value} hours before the slot"
    if key == "key_person_percent":
        return f"one person covering {value}% of a project's slots is a risk"
    if key == "weekly_minutes_limit":
        return f"giving more than {_minutes(value)} a week escalates"
    if key == "activity_drop_percent":
        return f"a drop of {value}% in a regular giver's hours escalates"
    if key == "commitment_cap":
        return f"people are offered at most {value} commitments at once"
    if key == "failsafe":
        person = line.ref("failsafe")
        if value is None:
            return "nobody is named to take escalations with no referrer"
        name = person.display_name if person else "another member of staff"
        return f"{name} takes escalations with no referrer"
    if key in ROUTE_WORDS:
        to = label_of(Route, value, "someone").split(" (")[0]
        return f"{ROUTE_WORDS[key]} go to {lower_first(to)}"
    return None


ROUTE_WORDS = {
    "route_unmatched_referral": "referrals nobody has taken on",
    "route_unmatched_request": "requests for help nobody has answered",
    "route_unfilled_slot": "gaps in a rota",
    "route_key_person": "people carrying a project alone",
    "route_burnout": "volunteers giving too much or suddenly stopping",
}


@renders(AuditKind.REFERRAL_POLICY_UPDATED, refs={"failsafe": "person"})
def _settings(line: Line) -> str:
    changes = [
        words
        for key, value in line.new.items()
        if line.old.get(key) != value and (words := _setting(line, key, value))
    ]
    if not changes:
        return f"{line.actor} changed the referral settings"
    return f"{line.actor} changed the referral settings: {'; '.join(changes)}"


# --- projects and rotas -----------------------------------------------------------------------


def _project(project: Project | None, fallback=None) -> str:
    """ "the project “Buddy bench”", or "a project" if nothing says which."""
    name = project.name if project else fallback
    return f"the project {quote(name)}" if name else "a project"


def _rota(project: Project | None) -> str:
    """ "the “Buddy bench” rota", or "a project's rota"."""
    return f"the {quote(project.name)} rota" if project else "a project's rota"


@renders(AuditKind.PROJECT_CREATED, refs={"lead": "person"})
def _project_created(line: Line) -> str:
    kind = label_of(ProjectKind, line.new.get("kind"), "")
    lead = line.ref("lead")
    name = line.subject.name if line.subject else line.new.get("name")
    words = f"{line.actor} started {_project(None, name)}"
    if kind and line.new.get("kind") != ProjectKind.OTHER and kind.lower() != (name or "").lower():
        words += f" ({lower_first(kind)})"
    if lead:
        words += f", led by {lead.display_name}"
    return words


@renders(AuditKind.PROJECT_ENDED)
def _project_ended(line: Line) -> str:
    cancelled = line.new.get("slots_cancelled")
    words = f"{line.actor} ended {_project(line.subject)}"
    words += _because(line.new.get("reason"))
    if isinstance(cancelled, int) and cancelled:
        words += f"; {cancelled} future slot{'' if cancelled == 1 else 's'} cancelled"
    return words


@renders(AuditKind.TRAINING_RECORDED, refs={"project": "project"})
def _trained(line: Line) -> str:
    project = _project(line.ref("project"))
    trained_on = line.new.get("trained_on")
    on = f" on {day(trained_on)}" if trained_on else ""
    if line.person:
        return f"{line.person} was recorded as trained for {project}{on}{line.by}"
    return f"{line.actor} recorded their own training for {project}{on}"


@renders(AuditKind.SLOT_ADDED, refs={"receiver": "person"})
def _slots_added(line: Line) -> str:
    count = line.new.get("count")
    role = line.new.get("role")
    what = f"{count} " if isinstance(count, int) else ""
    what += f"{role} " if role else ""
    what += "slot" if count == 1 else "slots"
    receiver = line.ref("receiver")
    for_whom = f" for {receiver.display_name}" if receiver else ""
    first = line.new.get("first")
    start = f", from {when(first)}" if first else ""
    return f"{line.actor} added {what}{for_whom} to {_rota(line.subject)}{start}"


def _turn(slot: Slot | None) -> str:
    """ "the “Friend on the phone” rota for Tue 3 Mar 10:00"."""
    if slot is None:
        return "a rota"
    return f"the {quote(slot.project.name)} rota for {when(slot.starts_at)}"


def _slot_of(line: Line) -> Slot | None:
    if line.subject is not None:
        return line.subject.slot
    return line.ref("slot")


def _turn_person(line: Line) -> str:
    if line.person:
        return line.person
    if line.subject is not None:
        return line.subject.person.display_name
    return "someone"


@renders(AuditKind.ROTA_TAKEN, refs={"slot": "slot"})
def _taken(line: Line) -> str:
    if line.person:
        return f"{line.person} was put on {_turn(_slot_of(line))}{line.by}"
    return f"{line.actor} took a turn on {_turn(_slot_of(line))}"


@renders(AuditKind.ROTA_GIVEN_UP)
def _given_up(line: Line) -> str:
    reason = _because(line.new.get("reason"))
    turn = _turn(_slot_of(line))
    if line.person:
        return f"{possessive(line.person)} turn on {turn} was given up{line.by}{reason}"
    return f"{line.actor} gave up their turn on {turn}{reason}"


@renders(AuditKind.ROTA_SWAPPED, refs={"slot": "slot"})
def _swapped(line: Line) -> str:
    before, after = line.ref("slot", old=True), line.ref("slot")
    if after is None and line.subject is not None:
        after = line.subject.slot
    project = (after or before).project.name if (after or before) else None
    moves = f"on the {quote(project)} rota" if project else "on a rota"
    if before and after:
        moves += f" from {when(before.starts_at)} to {when(after.starts_at)}"
    if line.person:
        return f"{possessive(line.person)} turn {moves} was moved{line.by}"
    return f"{line.actor} moved their turn {moves}"


@renders(AuditKind.ROTA_ATTENDED)
def _attended(line: Line) -> str:
    minutes = _minutes(line.new.get("minutes"))
    hours = f": {minutes}" if minutes else ""
    turn = _turn(_slot_of(line))
    if line.person:
        return f"{possessive(line.person)} turn on {turn} was logged as done{hours}{line.by}"
    return f"{line.actor} logged their turn on {turn} as done{hours}"


@renders(AuditKind.ROTA_MISSED)
def _missed(line: Line) -> str:
    who = possessive(_turn_person(line))
    return f"{line.actor} recorded that {who} turn on {_turn(_slot_of(line))} did not happen"


@renders(AuditKind.ROTA_CONFIRMED)
def _turn_confirmed(line: Line) -> str:
    minutes = _minutes(line.new.get("minutes")) or "the hours"
    who = possessive(_turn_person(line))
    return f"{line.actor} confirmed {minutes} for {who} turn on {_turn(_slot_of(line))}"


@renders(AuditKind.ROTA_RECORDED)
def _recorded(line: Line) -> str:
    minutes = _minutes(line.new.get("minutes"))
    hours = f" ({minutes})" if minutes else ""
    turn = _turn(_slot_of(line))
    if line.person:
        return f"{line.actor} recorded a past turn by {line.person} on {turn}{hours}"
    return f"{line.actor} recorded their own past turn on {turn}{hours}"
