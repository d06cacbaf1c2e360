"""How the audit log words the involvement app's events. Imported by
InvolveConfig.ready()."""

from coproduce.audit import AuditKind, Line, day, label_of, load_in_bulk, quote, renders, when

from .guard import money
from .models import (
    Attendance,
    AttendanceStatus,
    CoKind,
    Expense,
    ExpenseKind,
    ExpenseStatus,
    Opportunity,
    Recompense,
    Session,
    SignUp,
    Training,
)
from .models import InvolvementChoice as Choice
from .models import InvolvementPolicy as Policy

load_in_bulk(
    opportunity=Opportunity.objects,
    session=Session.objects.select_related("opportunity"),
    signup=SignUp.objects.select_related("opportunity", "person"),
    attendance=Attendance.objects.select_related("session__opportunity", "person"),
    expense=Expense.objects.select_related("attendance__session__opportunity"),
    training=Training.objects,
    involvementchoice=Choice.objects,
    involvementpolicy=Policy.objects,
)


def _named(line: Line, fallback: str = "an opportunity") -> str:
    """The opportunity an event is about, by its title."""
    opportunity = line.ref("opportunity")
    subject = line.subject
    if opportunity is None and isinstance(subject, Opportunity):
        opportunity = subject
    if opportunity is None and isinstance(subject, SignUp | Session):
        opportunity = subject.opportunity
    if opportunity is None and isinstance(subject, Attendance):
        opportunity = subject.session.opportunity
    return quote(opportunity.title) if opportunity else fallback


def _who(line: Line) -> str:
    """Whom it concerns: the person it was done for, else the one who did it."""
    return line.person or line.actor


@renders(AuditKind.OPPORTUNITY_CREATED)
def _created(line: Line) -> str:
    kind = label_of(CoKind, line.new.get("kind"), "")
    title = quote(line.new.get("title")) if line.new.get("title") else _named(line)
    return f"{line.actor} opened {title}{f' ({kind.lower()})' if kind else ''}"


@renders(AuditKind.OPPORTUNITY_CHANGED)
def _changed(line: Line) -> str:
    if line.new.get("status") == "closed":
        return f"{line.actor} closed {_named(line)} to new people"
    if line.new.get("status") == "open":
        return f"{line.actor} opened {_named(line)} to new people again"
    return f"{line.actor} changed the details of {_named(line)}"


@renders(AuditKind.OPPORTUNITY_CANCELLED)
def _cancelled(line: Line) -> str:
    reason = line.new.get("reason")
    return f"{line.actor} cancelled {_named(line)}{f': {quote(reason)}' if reason else ''}"


@renders(AuditKind.OPPORTUNITY_HIRED)
def _hired(line: Line) -> str:
    hired = line.new.get("hired")
    if not isinstance(hired, int):
        return f"{line.actor} recorded how many people {_named(line)} hired"
    people = "1 person" if hired == 1 else f"{hired} people"
    return f"{line.actor} recorded that {_named(line)} hired {people}"


@renders(AuditKind.MEETING_ADDED, refs={"opportunity": "opportunity"})
def _meeting(line: Line) -> str:
    start = line.new.get("starts_at")
    on = f" on {when(start)}" if start else ""
    return f"{line.actor} arranged a meeting of {_named(line)}{on}"


def _signup_sentence(verb_self: str, verb_other: str):
    def sentence(line: Line) -> str:
        if line.automatic:
            return f"{line.person or 'Someone'} {verb_other} {_named(line)}"
        if line.person:
            return f"{line.person} {verb_other} {_named(line)}{line.by}"
        return f"{line.actor} {verb_self} {_named(line)}"

    return sentence


renders(AuditKind.SIGNUP_CONFIRMED, refs={"opportunity": "opportunity"})(
    _signup_sentence("said yes to a place on", "was given a place on")
)
renders(AuditKind.SIGNUP_DECLINED, refs={"opportunity": "opportunity"})(
    _signup_sentence("said no to a place on", "said no to a place on")
)
renders(AuditKind.SIGNUP_LAPSED, refs={"opportunity": "opportunity"})(
    _signup_sentence("did not say yes in time to", "did not say yes in time to")
)
renders(AuditKind.SIGNUP_RELEASED, refs={"opportunity": "opportunity"})(
    _signup_sentence("freed their place on", "lost their place after a missed meeting of")
)
renders(AuditKind.SIGNUP_OFFERED, refs={"opportunity": "opportunity"})(
    _signup_sentence("was offered a place on", "was offered a place from the waiting list on")
)


@renders(AuditKind.SIGNUP_ASKED, refs={"opportunity": "opportunity"})
def _asked(line: Line) -> str:
    status = line.new.get("status")
    result = {"confirmed": " and was given a place", "waitlist": " and went on the waiting list"}
    tail = result.get(status, "")
    if line.person:
        # "who": it is the person signed up, not the coordinator, who has the place.
        who = tail.replace(" and ", ", who ", 1)
        return f"{line.actor} signed up {line.person} for {_named(line)}{who}"
    return f"{line.actor} asked for a place on {_named(line)}{tail}"


@renders(AuditKind.SIGNUP_INVITED, refs={"opportunity": "opportunity"})
def _invited(line: Line) -> str:
    return f"{line.actor} invited {line.person or 'someone'} to {_named(line)}"


@renders(AuditKind.SIGNUP_NOT_CHOSEN, refs={"opportunity": "opportunity"})
def _not_chosen(line: Line) -> str:
    return f"{line.actor} did not choose {line.person or 'someone'} for {_named(line)}"


@renders(AuditKind.SIGNUP_WITHDRAWN, refs={"opportunity": "opportunity"})
def _withdrawn(line: Line) -> str:
    reason = line.new.get("reason")
    said = f": {quote(reason)}" if reason else ""
    if line.person:
        return f"{line.actor} said {line.person} cannot come to {_named(line)}{said}"
    return f"{line.actor} said they cannot come to {_named(line)}{said}"


@renders(AuditKind.SHORTLIST_CONFIRMED)
def _shortlist(line: Line) -> str:
    chosen = line.new.get("chosen") or []
    waiting = line.new.get("waiting") or 0
    people = "1 person" if len(chosen) == 1 else f"{len(chosen)} people"
    rest = f"; {waiting} on the waiting list" if waiting else ""
    return f"{line.actor} gave places on {_named(line)} to {people}{rest}"


@renders(AuditKind.ATTENDANCE_RECORDED, refs={"opportunity": "opportunity"})
def _attendance(line: Line) -> str:
    status = line.new.get("status")
    who = line.person or "someone"
    if status == AttendanceStatus.ATTENDED:
        minutes = line.new.get("minutes")
        length = f" ({_length(minutes)})" if isinstance(minutes, int) else ""
        return f"{line.actor} recorded that {who} came to {_named(line)}{length}"
    if status == AttendanceStatus.NO_SHOW:
        return f"{line.actor} recorded that {who} did not come to {_named(line)}"
    return f"{line.actor} recorded apologies from {who} for {_named(line)}"


def _length(minutes: int) -> str:
    from coproduce.timebank.models import format_minutes

    return format_minutes(minutes)


@renders(AuditKind.APOLOGIES_SENT, refs={"opportunity": "opportunity"})
def _apologies(line: Line) -> str:
    if line.person:
        return f"{line.actor} sent apologies for {line.person} to a meeting of {_named(line)}"
    return f"{line.actor} sent apologies for a meeting of {_named(line)}"


@renders(AuditKind.THANKS_CHOSEN)
def _thanks(line: Line) -> str:
    choice = line.new.get("recompense")
    words = {
        Recompense.CREDITS: "time credits",
        Recompense.PAYMENT: "a payment",
        Recompense.VOUCHER: "a voucher",
        Recompense.DECLINE: "no thanks",
        Recompense.DONATE: "the hours given to the community chest",
    }.get(choice, "their thanks")
    pence = line.new.get("amount_pence")
    if isinstance(pence, int) and pence:
        words += f" of {money(pence)}"
    if line.new.get("warned"):
        words += ", after the benefits warning"
    return f"{_who(line)} chose {words} for {_named(line)}{line.by if line.person else ''}"


@renders(AuditKind.PAYMENTS_RECORDED)
def _paid(line: Line) -> str:
    count = line.new.get("count")
    up_to = line.new.get("up_to")
    what = f"{count} payments and expenses" if isinstance(count, int) else "payments"
    until = f", up to {day(up_to)}" if up_to else ""
    return f"{line.actor} marked {what} as paid{until}"


@renders(AuditKind.EXPENSE_CLAIMED)
def _expense_claimed(line: Line) -> str:
    kind = label_of(ExpenseKind, line.new.get("kind"), "expenses").split(" (")[0].lower()
    pence = line.new.get("amount_pence")
    amount = f" of {money(pence)}" if isinstance(pence, int) else ""
    for_whom = f" for {line.person}" if line.person else ""
    return f"{line.actor} claimed {kind}{amount}{for_whom}"


@renders(AuditKind.EXPENSE_DECIDED)
def _expense_decided(line: Line) -> str:
    status = line.new.get("status")
    verb = "approved" if status == ExpenseStatus.APPROVED else "turned down"
    pence = line.new.get("amount_pence")
    amount = f" of {money(pence)}" if isinstance(pence, int) else ""
    return f"{line.actor} {verb} an expenses claim{amount} from {line.person or 'someone'}"


@renders(AuditKind.INVOLVEMENT_POLICY_UPDATED)
def _policy(line: Line) -> str:
    changed = sorted(line.new)
    if "favour_areas" in changed:
        on = "now favour" if line.new.get("favour_areas") else "no longer favour"
        return f"{line.actor} changed the involvement settings: shortlists {on} areas less involved"
    return f"{line.actor} changed the involvement settings"


@renders(AuditKind.INVOLVEMENT_CHOICES_CHANGED)
def _choices(line: Line) -> str:
    often = line.new.get("how_often")
    words = {"each": "each new one", "weekly": "weekly", "monthly": "monthly", "never": "never"}
    heard = words.get(often, "")
    tail = f" (hears {heard})" if heard else ""
    if line.person:
        return f"{line.actor} changed how much {line.person} is asked to be involved{tail}"
    return f"{line.actor} changed how much they are asked to be involved{tail}"


@renders(AuditKind.INVOLVEMENT_TRAINING_RECORDED)
def _training(line: Line) -> str:
    name = line.new.get("name")
    trained_on = line.new.get("trained_on")
    on = f" on {day(trained_on)}" if trained_on else ""
    what = f" in {quote(name)}" if name else ""
    return f"{line.actor} recorded {line.person or 'someone'}'s training{what}{on}"
