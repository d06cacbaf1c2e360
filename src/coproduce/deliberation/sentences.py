"""How the audit log words deliberation's events: conversations, moderation, priorities
and responses recorded for people who are not online. Imported by
DeliberationConfig.ready()."""

from coproduce.audit import AuditKind, Line, load_in_bulk, possessive, quote, renders

from .models import Conversation, Statement, VoteValue

load_in_bulk(
    conversation=Conversation.objects,
    statement=Statement.objects.select_related("conversation"),
)


def _count(value, one: str, many: str) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return f"{value} {one if value == 1 else many}"


def _question(line: Line) -> str:
    """ "the conversation “…”", or "a conversation"."""
    question = getattr(line.subject, "question", None) or line.new.get("question")
    return f"the conversation {quote(question)}" if question else "a conversation"


def _statement(statement: Statement | None, fallback=None) -> str:
    """ "the statement “…”", or "a statement"."""
    text = statement.text if statement else fallback
    return f"the statement {quote(text)}" if text else "a statement"


@renders(AuditKind.CONVERSATION_CREATED)
def _created(line: Line) -> str:
    seeds = _count(line.new.get("seeds"), "starting statement", "starting statements")
    return f"{line.actor} started {_question(line)}" + (
        f", with {seeds}" if seeds and line.new.get("seeds") else ""
    )


@renders(AuditKind.CONVERSATION_IMPORTED)
def _imported(line: Line) -> str:
    counts = [
        _count(line.new.get("statements"), "statement", "statements"),
        _count(line.new.get("participants"), "person", "people"),
        _count(line.new.get("votes"), "vote", "votes"),
    ]
    counts = [c for c in counts if c]
    return f"{line.actor} imported {_question(line)} from Polis" + (
        f" ({', '.join(counts)})" if counts else ""
    )


@renders(AuditKind.STATEMENT_HIDDEN)
def _hidden(line: Line) -> str:
    flags = _count(line.new.get("flags"), "flag", "flags")
    after = f" after {flags}" if flags else ""
    return f"{_statement(line.subject)} was hidden for the moderators to review{after}"


@renders(AuditKind.STATEMENT_KEPT, AuditKind.STATEMENT_REMOVED)
def _moderated(line: Line) -> str:
    verb = "kept" if line.event.event == AuditKind.STATEMENT_KEPT else "removed"
    reason = line.new.get("reason")
    return f"{line.actor} {verb} {_statement(line.subject)}" + (
        f": {quote(reason)}" if reason else ""
    )


VOTE_WORDS = {
    VoteValue.AGREE: "agree",
    VoteValue.DISAGREE: "disagree",
    VoteValue.PASS: "pass or unsure",
}


METHOD_WORDS = {"paper": "on paper", "phone": "by phone", "in person": "in person"}


@renders(AuditKind.VOTE_RECORDED, refs={"statement": "statement"})
def _vote(line: Line) -> str:
    answer = VOTE_WORDS.get(line.new.get("value"))
    answer = f" ({answer})" if answer else ""
    method = METHOD_WORDS.get(line.new.get("method"))
    how = f" ({method})" if method else ""
    who = possessive(line.person or "someone")
    return (
        f"{who} response to {_statement(line.ref('statement'))}{answer} was recorded"
        f"{how} by {line.actor}"
    )


@renders(AuditKind.PRIORITY_MARKED, refs={"statement": "statement"})
def _marked(line: Line) -> str:
    statement = _statement(line.ref("statement"), line.new.get("text"))
    return f"{line.actor} marked {statement} as a priority"


@renders(AuditKind.PRIORITY_UNMARKED, refs={"statement": "statement"})
def _unmarked(line: Line) -> str:
    statement = _statement(line.ref("statement", old=True), line.old.get("text"))
    return f"{line.actor} took {statement} off the priorities"


@renders(AuditKind.MODERATOR_APPOINTED, refs={"person": "person"})
def _appointed(line: Line) -> str:
    person = line.ref("person")
    return f"{line.actor} made {person.display_name if person else 'someone'} a moderator"


@renders(AuditKind.MODERATOR_REMOVED, refs={"person": "person"})
def _removed(line: Line) -> str:
    person = line.ref("person", old=True)
    return f"{line.actor} removed {person.display_name if person else 'someone'} as a moderator"
