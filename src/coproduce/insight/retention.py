"""The retention table: for each kind of record about a person, what happens to it when
the person is erased or their account is cleared after a long time inactive, and how long
it is kept. docs/privacy.md shows this table (a test checks the two agree); the data
export, erasure and the clean-up of inactive accounts all read it, so they cannot
disagree.

"pseudonymised": the record stays, but the person in it is their hub's pseudonym
("Former member 4F7K") and their name, email and phone are replaced by it in any text.
"""

from dataclasses import dataclass

DELETED = "deleted"
PSEUDONYMISED = "pseudonymised"
KEPT = "kept"


@dataclass(frozen=True)
class Rule:
    kind: str  # the kind of record, as people would name it
    on_erasure: str  # "deleted", "pseudonymised" or "kept"
    kept_for: str  # how long a kept record stays, in words
    why: str


TABLE: list[Rule] = [
    Rule(
        "Profile: name, email, phone, postal address, postcode district, skills, needs, "
        "availability, "
        "languages, about",
        DELETED,
        "Until erasure",
        "Only needed while the person takes part.",
    ),
    Rule(
        "Password, sign-in sessions, API keys, invitations and links to set a password",
        DELETED,
        "Until erasure",
        "Nobody may sign in as a former member.",
    ),
    Rule(
        "Equality monitoring answers",
        DELETED,
        "Until erasure, or until the person deletes them",
        "Given voluntarily; only ever counted in aggregate.",
    ),
    Rule(
        "Notification choices, notifications and digests sent to the person",
        DELETED,
        "Until erasure",
        "Only useful to the person.",
    ),
    Rule(
        "Downloads of the person's data",
        DELETED,
        "48 hours after they are made, or until erasure",
        "A copy of everything about the person.",
    ),
    Rule(
        "Warnings before an inactive account is cleared",
        DELETED,
        "Until erasure",
        "Only useful to the person.",
    ),
    Rule(
        "Memberships of hubs and roles",
        PSEUDONYMISED,
        "As long as the hub exists",
        "The hub's counts and the ledger's accounts depend on them.",
    ),
    Rule(
        "Time bank: accounts, exchanges, transfers, listings and messages",
        PSEUDONYMISED,
        "As long as the hub exists",
        "Every hour given must still be received: the ledger never loses an hour.",
    ),
    Rule(
        "Referrals, offers, help plans and turns on a rota",
        PSEUDONYMISED,
        "6 years after the referral closes",
        "The record of help given and who was responsible, for complaints and audit.",
    ),
    Rule(
        "Conversations: statements and votes",
        PSEUDONYMISED,
        "As long as the conversation is kept",
        "What was said and how people voted still counts, as by a former member.",
    ),
    Rule(
        "Pledges, reports of problems and their updates",
        PSEUDONYMISED,
        "As long as the hub exists",
        "A report stays open for the service to answer; the pledge's record stays whole.",
    ),
    Rule(
        "Involvement: sign-ups, attendance, training and Your Space ideas and ballots",
        PSEUDONYMISED,
        "As long as the hub exists",
        "Places filled, ideas put forward and votes cast still count.",
    ),
    Rule(
        "Health check answers",
        PSEUDONYMISED,
        "As long as the hub exists",
        "Counted only together with others' answers.",
    ),
    Rule(
        "The audit log",
        PSEUDONYMISED,
        "As long as the hub exists",
        "Who did what must stay answerable; the former member appears by pseudonym.",
    ),
    Rule(
        "Payments and expenses",
        KEPT,
        "6 years after the end of the financial year",
        "Tax and accounting law; kept under the pseudonym.",
    ),
    Rule(
        "Safeguarding checks and escalations",
        KEPT,
        "6 years after the person's last activity",
        "Safeguarding: a hub must be able to show what it checked and how it acted.",
    ),
    Rule(
        "Consent records",
        KEPT,
        "6 years after consent was withdrawn or the person left",
        "Proof of what the person agreed to, and when.",
    ),
    Rule(
        "That the person was erased: when, how asked and by whom",
        KEPT,
        "As long as the site runs",
        "To show an erasure was asked for and done; it never says who the person was.",
    ),
]


def rules_by(on_erasure: str) -> list[Rule]:
    return [rule for rule in TABLE if rule.on_erasure == on_erasure]


def markdown_table() -> str:
    """The table as docs/privacy.md shows it."""
    lines = [
        "| Record | On erasure | Kept for | Why |",
        "| --- | --- | --- | --- |",
    ]
    for rule in TABLE:
        lines.append(f"| {rule.kind} | {rule.on_erasure} | {rule.kept_for} | {rule.why} |")
    return "\n".join(lines)
