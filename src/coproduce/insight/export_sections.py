"""What "Download my data" holds: one section per kind of record about a person, each a
title, a sentence saying what it is, its columns and a function that yields its rows.

Rows are read in chunks (`.iterator()`), never a whole table at once, so a person with
50,000 ledger entries does not fill the memory. Other people appear only as "another
member" (`Who`), the person as "you", organisations by name: a row never holds another
person's name, email or id.

`PERSON_FIELDS` lists every foreign key to Person in the product and where the export
covers it, or why it deliberately does not; a test fails when a new one is missing, so
the export can never silently leave out a new kind of record.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from coproduce.involve.guard import money
from coproduce.timebank.models import format_minutes

from . import export_queries as q
from .export_names import ANOTHER, YOU
from .healthcheck import answers_in_words
from .monitoring import answer_words

CHUNK = 2000


class Who:
    """How people are named in one person's export: by a foreign key, "you" or "another
    member"; in free text, other people's names and emails replaced (export_names.py)."""

    def __init__(self, person):
        self.person = person
        self.person_id = person.pk
        self._scrub = None

    def scrub(self, text):
        if self._scrub is None:
            from .export_names import Scrubber

            self._scrub = Scrubber(self.person, own_as_you=False)
        return self._scrub(text)

    def __call__(self, person_id) -> str:
        if person_id is None:
            return ""
        return YOU if person_id == self.person_id else ANOTHER


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    value: Callable  # (object, who) -> str | int | bool | date | datetime | None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    about: str
    columns: tuple[Column, ...]
    query: Callable  # person -> queryset (or any iterable) of objects
    # Free text here may name others (a title, a notification): names replaced. Not in
    # the person's own details, nor where it is done already (the audit sentences).
    scrub: bool = True

    def rows(self, person, who: Who) -> Iterable[list]:
        found = self.query(person)
        if hasattr(found, "iterator"):
            found = found.iterator(chunk_size=CHUNK)
        for obj in found:
            values = [column.value(obj, who) for column in self.columns]
            yield [who.scrub(v) for v in values] if self.scrub else values


def col(key: str, heading: str, value=None) -> Column:
    """A column: by default the object's attribute `key` (its label, for a choice)."""
    if value is None:

        def value(obj, _who, key=key):
            display = getattr(obj, f"get_{key}_display", None)
            return display() if display else getattr(obj, key)

    return Column(key, heading, value)


def by(field: str, key: str, heading: str) -> Column:
    """A column naming a person by a foreign key: "you", "another member" or empty."""
    return Column(key, heading, lambda obj, who: who(getattr(obj, f"{field}_id")))


def hours(key: str, heading: str, attribute: str) -> list[Column]:
    """Minutes as a number and as words ("1 h 30 min")."""
    return [
        Column(f"{key}_minutes", f"{heading} (minutes)", lambda o, _w: getattr(o, attribute)),
        Column(key, heading, lambda o, _w: format_minutes(getattr(o, attribute) or 0)),
    ]


def hub(obj, _who) -> str:
    return obj.hub.name


def listed(values) -> str:
    return "; ".join(str(v) for v in values or [])


# --- the sections --------------------------------------------------------------------------


def _referral_by(referral, who):
    return referral.organisation.name if referral.organisation_id else who(referral.referred_by_id)


def _ballot_ideas(ballot, _who):
    return listed(idea.title for idea in ballot.ideas.all())


SECTIONS: tuple[Section, ...] = (
    Section(
        "profile",
        "Your details",
        "What you told us about yourself.",
        (
            col("email", "Email"),
            col("display_name", "Name"),
            col("phone", "Phone"),
            col("postal_address", "Postal address"),
            col("contact_preference", "How you like to be contacted"),
            col("postcode_district", "Postcode district"),
            Column("assets", "What you can give", lambda p, _w: listed(p.assets)),
            Column("needs", "What you need", lambda p, _w: listed(p.needs)),
            Column("availability", "When you are free", lambda p, _w: listed(p.availability)),
            Column("languages", "Languages", lambda p, _w: listed(p.languages)),
            col("about", "About you"),
            col("date_joined", "Joined"),
            col("last_login", "Last signed in"),
            by("created_by", "account_made_by", "Account made by"),
        ),
        q.profile,
        scrub=False,
    ),
    Section(
        "consent",
        "Your consent",
        "What you agreed we may do with your details, and how you told us.",
        (
            Column("hub", "Hub", hub),
            col("purpose", "What for"),
            col("given", "Given"),
            col("method", "How"),
            col("note", "Note"),
            by("recorded_by", "recorded_by", "Recorded by"),
            col("recorded_at", "When"),
        ),
        q.consents,
    ),
    Section(
        "memberships",
        "Your hubs",
        "The hubs you belong to or belonged to, and your role in each.",
        (
            Column("hub", "Hub", hub),
            col("role", "Role"),
            Column("organisation", "Organisation", lambda m, _w: str(m.organisation or "")),
            Column("area", "Area", lambda m, _w: str(m.neighbourhood or "")),
            col("is_active", "Active"),
            col("listed_in_directory", "Listed in the directory"),
            col("joined_at", "Joined"),
            col("left_at", "Left"),
        ),
        q.memberships,
    ),
    Section(
        "safeguarding_checks",
        "Safeguarding checks",
        "Checks recorded for you (such as a DBS check): their kind and dates.",
        (
            Column("hub", "Hub", hub),
            col("check_type", "Kind of check"),
            col("issued_on", "Issued"),
            col("expires_on", "Expires"),
            col("recorded_at", "Recorded"),
        ),
        q.checks,
    ),
    Section(
        "join_requests",
        "Requests to join",
        "When you asked to join a hub, and the answer.",
        (
            Column("hub", "Hub", hub),
            col("message", "Your message"),
            col("status", "Answer"),
            col("created_at", "Asked"),
            col("decided_at", "Answered"),
        ),
        q.join_requests,
    ),
    Section(
        "api_keys",
        "Keys for other apps",
        "Keys you made so other apps can act for you (never the keys themselves).",
        (
            Column("hub", "Hub", hub),
            col("name", "Name"),
            col("created_at", "Made"),
            col("last_used_at", "Last used"),
            col("revoked_at", "Withdrawn"),
        ),
        q.api_tokens,
    ),
    Section(
        "listings",
        "Your listings",
        "What you offered or asked for in the time bank.",
        (
            Column("hub", "Hub", hub),
            col("kind", "Offer or request"),
            col("title", "Title"),
            col("description", "Description"),
            Column("category", "Kind of help", lambda o, _w: str(o.category or "")),
            col("is_active", "Showing"),
            col("created_at", "Made"),
            col("expires_on", "Ends"),
        ),
        q.listings,
    ),
    Section(
        "exchanges",
        "Your exchanges",
        "Time you gave or received.",
        (
            Column("hub", "Hub", lambda p, _w: p.exchange.hub.name),
            Column("title", "What", lambda p, _w: p.exchange.title),
            col("side", "Your side"),
            *hours("hours", "Hours", "minutes"),
            Column("status", "State", lambda p, _w: p.exchange.get_status_display()),
            Column("done_on", "Done on", lambda p, _w: p.exchange.done_on),
            Column("created_at", "Recorded", lambda p, _w: p.exchange.created_at),
        ),
        q.exchanges,
    ),
    Section(
        "statement",
        "Your time bank statement",
        "Every entry on your time bank accounts, oldest first, with your balance after it.",
        (
            Column("hub", "Hub", lambda e, _w: e.hub_name),
            Column("at", "When", lambda e, _w: e.at),
            Column("kind", "What", lambda e, _w: e.kind),
            *hours("hours", "Hours", "minutes"),
            *hours("balance", "Balance", "balance"),
            Column("memo", "Note", lambda e, _w: e.memo),
        ),
        q.statement,
    ),
    Section(
        "messages",
        "Messages you wrote",
        "What you wrote on exchanges.",
        (
            Column("exchange", "Exchange", lambda m, _w: m.exchange.title),
            col("text", "Message"),
            col("created_at", "When"),
        ),
        q.messages,
    ),
    Section(
        "second_approvals",
        "Requests for a second approval",
        "Hours you asked a second person to approve.",
        (
            Column("hub", "Hub", hub),
            col("kind", "What"),
            col("status", "State"),
            *hours("hours", "Hours", "minutes"),
            col("reason", "Why"),
            col("requested_at", "Asked"),
        ),
        q.second_approvals,
    ),
    Section(
        "referrals",
        "Referrals about you",
        "Referrals made for you: what you may see of them.",
        (
            Column("hub", "Hub", hub),
            Column("referred_by", "Referred by", _referral_by),
            Column("category", "Kind of help", lambda r, _w: str(r.category or "")),
            col("urgency", "How soon"),
            col("description", "What you need"),
            Column("area", "Area", lambda r, _w: str(r.neighbourhood or r.postcode_district)),
            col("needs_check", "Safeguarding check needed"),
            Column("consent", "Consent", lambda r, _w: r.consent.purpose),
            col("shared_note", "What volunteers are told"),
            col("status", "State"),
            col("outcome", "Outcome"),
            col("outcome_note", "About the outcome"),
            col("created_at", "Made"),
            col("matched_at", "Matched"),
            col("closed_at", "Closed"),
        ),
        q.referrals,
    ),
    Section(
        "offers",
        "Help you were asked to give",
        "Referrals a coordinator asked you to help with, and your answers.",
        (
            Column("hub", "Hub", lambda o, _w: o.referral.hub.name),
            Column("category", "Kind of help", lambda o, _w: str(o.referral.category or "")),
            col("status", "Your answer"),
            col("decline_reason", "Why not"),
            col("sent_at", "Asked"),
            col("answered_at", "Answered"),
        ),
        q.offers,
    ),
    Section(
        "rota_turns",
        "Your turns on rotas",
        "Turns you took on projects' rotas.",
        (
            Column("hub", "Hub", lambda a, _w: a.slot.project.hub.name),
            Column("project", "Project", lambda a, _w: a.slot.project.name),
            Column("role", "Role", lambda a, _w: a.slot.role),
            Column("starts_at", "Starts", lambda a, _w: a.slot.starts_at),
            col("status", "State"),
            *hours("hours", "Hours", "minutes"),
        ),
        q.turns,
    ),
    Section(
        "help_plans",
        "Regular help you give",
        "Regular help set up with you as the volunteer.",
        (
            Column("project", "Project", lambda h, _w: str(h.project or "")),
            col("kind", "How"),
            col("first_at", "First"),
            col("every_days", "Every (days)"),
            col("turns", "Turns"),
            *hours("hours", "Hours each time", "minutes"),
        ),
        q.help_plans,
    ),
    Section(
        "training",
        "Your training for projects",
        "Training recorded for you on projects.",
        (
            Column("hub", "Hub", lambda t, _w: t.project.hub.name),
            Column("project", "Project", lambda t, _w: t.project.name),
            by("trained_by", "trained_by", "Trained by"),
            col("trained_on", "Trained on"),
            col("expires_on", "Expires"),
        ),
        q.training,
    ),
    Section(
        "escalations",
        "Concerns raised about your load",
        "When the hub was warned that you might be doing too much, and what was done.",
        (
            Column("hub", "Hub", hub),
            col("kind", "What"),
            col("status", "State"),
            col("created_at", "Raised"),
            col("resolved_at", "Resolved"),
        ),
        q.escalations,
    ),
    Section(
        "conversations",
        "Conversations you took part in",
        "Conversations you joined, and the side you spoke from.",
        (
            Column("hub", "Hub", lambda p, _w: p.conversation.hub.name),
            Column("question", "Question", lambda p, _w: p.conversation.question),
            col("role", "You took part as"),
            col("area", "Area"),
            col("joined_at", "Joined"),
        ),
        q.conversations,
    ),
    Section(
        "statements",
        "Statements you wrote",
        "What you said in conversations.",
        (
            Column("question", "Conversation", lambda s, _w: s.conversation.question),
            col("text", "Statement"),
            col("status", "State"),
            col("created_at", "When"),
        ),
        q.statements,
    ),
    Section(
        "votes",
        "Your votes",
        "How you voted on each statement.",
        (
            Column("question", "Conversation", lambda v, _w: v.statement.conversation.question),
            Column("statement", "Statement", lambda v, _w: v.statement.text),
            col("value", "Your vote"),
            by("recorded_by", "recorded_by", "Recorded by"),
            col("cast_at", "When"),
        ),
        q.votes,
    ),
    Section(
        "moderating",
        "Moderating",
        "Hubs where you moderate conversations.",
        (Column("hub", "Hub", hub), col("appointed_at", "Since")),
        q.moderating,
    ),
    Section(
        "reports",
        "Reports you made",
        "Problems you reported against a hub's pledges.",
        (
            Column("hub", "Hub", hub),
            Column("category", "About", lambda r, _w: str(r.category)),
            col("description", "What you said"),
            col("address", "Where"),
            col("contact_name", "Contact name"),
            col("contact_email", "Contact email"),
            col("contact_phone", "Contact phone"),
            col("status", "State"),
            col("status_note", "Latest news"),
            col("created_at", "Made"),
            col("closed_at", "Closed"),
        ),
        q.reports,
    ),
    Section(
        "report_updates",
        "Updates you wrote on reports",
        "News you added to reports.",
        (
            Column("report", "Report", lambda u, _w: u.report.description[:80]),
            col("status", "State"),
            col("note", "What you wrote"),
            col("created_at", "When"),
        ),
        q.report_updates,
    ),
    Section(
        "report_follows",
        "Reports you follow",
        "Reports you asked to hear about.",
        (
            Column("report", "Report", lambda s, _w: s.report.description[:80]),
            col("created_at", "Since"),
        ),
        q.report_follows,
    ),
    Section(
        "report_feedback",
        "Your feedback on reports",
        "Whether you said a problem was fixed.",
        (
            Column("report", "Report", lambda f, _w: f.report.description[:80]),
            col("fixed", "Fixed"),
            col("note", "What you said"),
            col("created_at", "When"),
        ),
        q.report_feedback,
    ),
    Section(
        "pledge_signatures",
        "Pledges you signed",
        "Pledges you signed, and which version.",
        (
            Column("hub", "Hub", lambda s, _w: s.pledge.hub.name),
            Column("pledge", "Pledge", lambda s, _w: s.pledge.title),
            Column("version", "Version", lambda s, _w: s.version.number if s.version_id else ""),
            col("role", "Signed as"),
            col("signed_at", "When"),
        ),
        q.signatures,
    ),
    Section(
        "involvement_signups",
        "Involvement you signed up for",
        "Meetings, panels and roles you asked to join, and the answer.",
        (
            Column("hub", "Hub", lambda s, _w: s.opportunity.hub.name),
            Column("opportunity", "What", lambda s, _w: s.opportunity.title),
            col("side", "Side"),
            col("status", "State"),
            col("message", "Your message"),
            col("asked_at", "Asked"),
            col("decided_at", "Answered"),
        ),
        q.signups,
    ),
    Section(
        "involvement_attendance",
        "Attendance and thanks",
        "Meetings you came to, and how you were thanked or paid.",
        (
            Column("opportunity", "What", lambda a, _w: a.session.opportunity.title),
            Column("starts_at", "When", lambda a, _w: a.session.starts_at),
            col("status", "Came"),
            *hours("hours", "Time", "minutes"),
            col("recompense", "Thanks"),
            Column("amount", "Amount", lambda a, _w: money(a.amount_pence)),
            col("amount_pence", "Amount (pence)"),
            col("taxable", "Taxable"),
            col("paid_at", "Paid"),
        ),
        q.attendance,
    ),
    Section(
        "expenses",
        "Expenses you claimed",
        "Travel and other costs you asked to be repaid.",
        (
            Column("opportunity", "For", lambda e, _w: e.attendance.session.opportunity.title),
            col("kind", "Kind"),
            col("miles", "Miles"),
            Column("amount", "Amount", lambda e, _w: money(e.amount_pence)),
            col("amount_pence", "Amount (pence)"),
            col("note", "Note"),
            col("status", "State"),
            col("claimed_at", "Claimed"),
            col("decided_at", "Decided"),
        ),
        q.expenses,
    ),
    Section(
        "involvement_training",
        "Training for involvement",
        "Training recorded for you.",
        (
            Column("hub", "Hub", hub),
            col("name", "Training"),
            col("trained_on", "Trained on"),
            col("expires_on", "Expires"),
        ),
        q.involve_training,
    ),
    Section(
        "involvement_choices",
        "How you like to be involved",
        "What you told a hub about the involvement you want.",
        (
            Column("hub", "Hub", hub),
            Column("kinds", "Kinds", lambda c, _w: listed(c.kinds)),
            col("how_often", "How often"),
            col("format", "Format"),
            col("recompense", "Usual thanks"),
            col("updated_at", "Updated"),
        ),
        q.involve_choices,
    ),
    Section(
        "packs",
        "Packs posted to you",
        "Involvement packs made for you to receive by post.",
        (Column("hub", "Hub", hub), col("period_start", "For"), col("created_at", "Made")),
        q.packs,
    ),
    Section(
        "reminders",
        "Reminders",
        "Reminders sent to you before meetings.",
        (
            Column("opportunity", "For", lambda r, _w: r.session.opportunity.title),
            col("sent_at", "Sent"),
        ),
        q.reminders,
    ),
    Section(
        "space_ideas",
        "Your ideas in Your Space",
        "Ideas you put forward for the hub's money or space.",
        (
            Column("round", "Round", lambda i, _w: i.round.title),
            col("title", "Idea"),
            col("description", "Description"),
            col("cost", "Cost"),
            col("funded", "Funded"),
            col("created_at", "When"),
        ),
        q.ideas,
    ),
    Section(
        "space_ballots",
        "Your ballots in Your Space",
        "The ideas you voted for.",
        (
            Column("round", "Round", lambda b, _w: b.round.title),
            Column("ideas", "You voted for", _ballot_ideas),
            col("area", "Area"),
            col("paper", "On paper"),
            col("cast_at", "Cast"),
            col("changed_at", "Last changed"),
        ),
        q.ballots,
    ),
    Section(
        "equality",
        "Equality monitoring",
        "What you chose to tell us about yourself, shown to hubs only in counts.",
        (
            *(
                Column(key, heading, lambda e, _w, key=key: answer_words(key, getattr(e, key)))
                for key, heading in (
                    ("age_band", "Age"),
                    ("disability", "Disability"),
                    ("ethnicity", "Ethnicity"),
                    ("carer", "Carer"),
                )
            ),
            col("consented_at", "Consent given"),
            col("updated_at", "Updated"),
        ),
        q.equality,
    ),
    Section(
        "health_check_answers",
        "Your health check answers",
        "Your answers to hubs' co-production health checks.",
        (
            Column("hub", "Hub", lambda r, _w: r.health_check.hub.name),
            Column("check", "Health check", lambda r, _w: r.health_check.title),
            col("side", "Side"),
            Column(
                "answers",
                "Answers",
                lambda r, _w: "\n".join(answers_in_words(r.answers or {})),
            ),
            col("comment", "Comment"),
            col("answered_at", "When"),
        ),
        q.health_answers,
    ),
    Section(
        "notification_choices",
        "Your notification choices",
        "How you asked to be told about each kind of news.",
        (col("kind", "About"), col("delivery", "How")),
        q.preferences,
    ),
    Section(
        "notifications",
        "Your notifications",
        "What we told you.",
        (
            Column("hub", "Hub", lambda n, _w: n.hub.name if n.hub_id else ""),
            col("kind", "About"),
            col("subject", "Subject"),
            col("body", "Message"),
            col("delivery", "How"),
            col("created_at", "Sent"),
            col("read_at", "Read"),
        ),
        q.notifications,
    ),
    Section(
        "digests",
        "Your digests",
        "Emails that gathered several notifications.",
        (col("delivery", "How"), col("period_start", "From"), col("period_end", "To")),
        q.digests,
    ),
    Section(
        "data_downloads",
        "Your downloads of your data",
        "When you asked for your data.",
        (col("status", "State"), col("requested_at", "Asked"), col("expires_at", "Link ends")),
        q.exports,
    ),
    Section(
        "hub_files",
        "Files you took from a hub",
        "Large files of a hub's records you asked for as a coordinator.",
        (
            Column("hub", "Hub", hub),
            col("kind", "What"),
            col("status", "State"),
            col("requested_at", "Asked"),
        ),
        q.hub_files,
    ),
    Section(
        "inactivity_warnings",
        "Warnings before clearing your account",
        "Warnings that your account would be cleared after a long time without signing in.",
        (
            col("days_before", "Days before"),
            col("clear_on", "To be cleared on"),
            col("sent_at", "Sent"),
        ),
        q.warnings,
    ),
    Section(
        "activity",
        "What you did, and what was done for you",
        "The hub's record of changes you made, or a coordinator made for you.",
        (
            Column("hub", "Hub", lambda e, _w: e.hub),
            Column("at", "When", lambda e, _w: e.at),
            Column("what", "What happened", lambda e, _w: e.sentence),
            Column("by", "Done by", lambda e, _w: e.by),
        ),
        q.audit,
        scrub=False,
    ),
)

BY_KEY = {section.key: section for section in SECTIONS}
