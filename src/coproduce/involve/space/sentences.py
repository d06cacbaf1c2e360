"""How the audit log words Your Space's events. Imported by InvolveConfig.ready()."""

from coproduce.audit import AuditKind, Line, label_of, load_in_bulk, quote, renders

from .models import Ballot, Booking, Feasibility, Idea, Phase, Round

load_in_bulk(
    round=Round.objects,
    idea=Idea.objects.select_related("round"),
    ballot=Ballot.objects.select_related("round"),
    booking=Booking.objects.select_related("idea"),
)


def _round(line: Line) -> str:
    round_ = line.ref("round")
    subject = line.subject
    if round_ is None and isinstance(subject, Round):
        round_ = subject
    if round_ is None and isinstance(subject, Idea | Ballot):
        round_ = subject.round
    return quote(round_.title) if round_ else "a Your Space round"


def _idea(line: Line) -> str:
    if line.new.get("title"):
        return quote(line.new["title"])
    if isinstance(line.subject, Idea):
        return quote(line.subject.title)
    return "a project"


@renders(AuditKind.SPACE_ROUND_CREATED)
def _created(line: Line) -> str:
    return f"{line.actor} opened the Your Space round {_round(line)}"


@renders(AuditKind.SPACE_ROUND_CHANGED)
def _changed(line: Line) -> str:
    return f"{line.actor} changed the details of the round {_round(line)}"


@renders(AuditKind.SPACE_ROUND_ADVANCED)
def _advanced(line: Line) -> str:
    phase = label_of(Phase, line.new.get("phase"), "its next phase")
    return f"{line.actor} moved the round {_round(line)} on to {phase.lower()}"


@renders(AuditKind.SPACE_ROUND_COUNTED)
def _counted(line: Line) -> str:
    voters = line.new.get("voters")
    ballots = f" ({voters} ballot{'s' if voters != 1 else ''})" if isinstance(voters, int) else ""
    if line.automatic:
        return f"The vote in {_round(line)} closed at its set time and was counted{ballots}"
    return f"{line.actor} closed the vote in {_round(line)} and counted it{ballots}"


@renders(AuditKind.SPACE_ROUND_OVERRIDDEN)
def _overridden(line: Line) -> str:
    reason = line.new.get("reason")
    why = f": {quote(reason)}" if reason else ""
    return f"{line.actor} overrode the result of {_round(line)}{why}"


@renders(AuditKind.SPACE_IDEA_PROPOSED, refs={"round": "round"})
def _proposed(line: Line) -> str:
    if line.person:
        return f"{line.actor} proposed {_idea(line)} in {_round(line)} for {line.person}"
    return f"{line.actor} proposed {_idea(line)} in {_round(line)}"


@renders(AuditKind.SPACE_IDEA_CHECKED)
def _checked(line: Line) -> str:
    verdict = label_of(Feasibility, line.new.get("feasibility"), "checked").lower()
    reason = line.new.get("reason")
    return f"{line.actor} marked {_idea(line)} {verdict}{f': {quote(reason)}' if reason else ''}"


@renders(AuditKind.SPACE_IDEA_DELIVERED)
def _delivered(line: Line) -> str:
    return f"{line.actor} set {_idea(line)} up as a project with a rota"


@renders(AuditKind.SPACE_IDEA_UPDATED)
def _updated(line: Line) -> str:
    return f"{line.actor} said how {_idea(line)} is going"


@renders(AuditKind.SPACE_BALLOT_RECORDED, refs={"round": "round"})
def _ballot(line: Line) -> str:
    verb = "changed their ballot" if line.new.get("changed") else "voted"
    paper = " (from a paper ballot)" if line.new.get("paper") else ""
    if line.person:
        return f"{line.actor} entered the ballot of {line.person} in {_round(line)}{paper}"
    return f"{line.actor} {verb} in {_round(line)}"


@renders(AuditKind.SPACE_BOOKING_ADDED)
def _booked(line: Line) -> str:
    return f"{line.actor} booked weekly time in the space for {_idea(line)}"
