"""The co-production health check: its questions and how its answers are scored. Pure:
plain values in, figures out; no Django.

The statements cover NEF's six characteristics of co-production and the four dimensions
of the Compass pamphlet's governance matrix. Staff and the people who use the service
answer the same statements, each on a scale of 1 ("strongly disagree") to 5 ("strongly
agree"), or "don't know" (stored as 0, never scored).

Scoring, for each side (staff; people who use the service):
- the mean of the scored answers per question and per theme (a theme pools the scored
  answers of its questions), with how many answered and how many did not know;
- a side's figures are hidden when fewer than SMALL_GROUP people answered on that side,
  and a question's or theme's mean when fewer than SMALL_GROUP scored it;
- the gap is staff's mean minus users' mean; a gap of LARGE_GAP point or more either way
  is large and said in words.
"""

import datetime
from dataclasses import dataclass
from fractions import Fraction

SMALL_GROUP = 5  # the same as insight.access.SMALL_GROUP (kept here: no Django import)
LARGE_GAP = Fraction(1)  # a gap of one point or more on the five-point scale is large
DONT_KNOW = 0
SCALE = [
    (5, "Strongly agree"),
    (4, "Agree"),
    (3, "Neither agree nor disagree"),
    (2, "Disagree"),
    (1, "Strongly disagree"),
    (DONT_KNOW, "Don't know"),
]
VALUES = frozenset(value for value, _ in SCALE)
SIDES = ("staff", "users")
SIDE_NAMES = {"staff": "Staff", "users": "People who use the service"}


@dataclass(frozen=True)
class Theme:
    key: str
    name: str
    source: str  # "NEF" or "Compass"
    staff_higher: str  # said when staff rate it a point or more above users
    users_higher: str  # said when users rate it a point or more above staff


THEMES = [
    Theme(
        "assets",
        "Building on what people can already do",
        "NEF",
        "Staff think the service builds on people's own skills more than users do.",
        "Users think the service builds on their own skills more than staff do.",
    ),
    Theme(
        "reciprocity",
        "Give and take",
        "NEF",
        "Staff think people give as well as receive more than users do.",
        "Users think they give as well as receive more than staff do.",
    ),
    Theme(
        "peer_support",
        "People supporting each other",
        "NEF",
        "Staff think people support each other more than users do.",
        "Users think people support each other more than staff do.",
    ),
    Theme(
        "blurring",
        "Staff and users working as equals",
        "NEF",
        "Staff think they work with users as equals more than users do.",
        "Users think staff work with them as equals more than staff do.",
    ),
    Theme(
        "facilitating",
        "Helping things happen rather than doing them for people",
        "NEF",
        "Staff think they help things happen rather than doing things for people more "
        "than users do.",
        "Users think staff help things happen rather than doing things for them more "
        "than staff do.",
    ),
    Theme(
        "catalysts",
        "The service sparking community action",
        "NEF",
        "Staff think the service sparks community action more than users do.",
        "Users think the service sparks community action more than staff do.",
    ),
    Theme(
        "centralisation",
        "Decisions made close to people",
        "Compass",
        "Staff think decisions are made closer to people than users do.",
        "Users think decisions are made closer to them than staff do.",
    ),
    Theme(
        "diversity",
        "Everyone taking part",
        "Compass",
        "Staff think the service reaches people of every background more than users do.",
        "Users think the service reaches people of every background more than staff do.",
    ),
    Theme(
        "professionalism",
        "Lived experience valued alongside expertise",
        "Compass",
        "Staff think lived experience is valued more than users do.",
        "Users think lived experience is valued more than staff do.",
    ),
    Theme(
        "voice",
        "Users' voice",
        "Compass",
        "Staff think users have more voice than users do.",
        "Users think they have more voice than staff do.",
    ),
]
THEME_BY_KEY = {theme.key: theme for theme in THEMES}


@dataclass(frozen=True)
class Question:
    key: str
    theme: str
    statement: str


QUESTIONS = [
    Question(
        "assets",
        "assets",
        "The service starts from what people can already do, not only from what they need.",
    ),
    Question(
        "give_and_take", "reciprocity", "People who get help also have ways to give something back."
    ),
    Question(
        "valued", "reciprocity", "What people who use the service give is noticed and valued."
    ),
    Question(
        "peer_support",
        "peer_support",
        "People who use the service support each other, not only through staff.",
    ),
    Question("equals", "blurring", "Staff and people who use the service work together as equals."),
    Question(
        "facilitating",
        "facilitating",
        "Staff help people do things for themselves rather than doing things for them.",
    ),
    Question(
        "catalysts",
        "catalysts",
        "The service helps the community start and run its own activities.",
    ),
    Question(
        "decisions_close",
        "centralisation",
        "Decisions are made close to the people they affect, not only at the top.",
    ),
    Question(
        "everyone",
        "diversity",
        "People of every background and every area take part, not only the usual few.",
    ),
    Question(
        "lived_experience",
        "professionalism",
        "People's own experience counts as much as professional expertise.",
    ),
    Question("say", "voice", "People who use the service have a real say in decisions about it."),
    Question(
        "listened",
        "voice",
        "When people who use the service raise a concern, it changes what happens.",
    ),
]
QUESTION_KEYS = [question.key for question in QUESTIONS]


def check_answers(answers: dict) -> str | None:
    """The key of the first question answered wrongly (missing, unknown or out of the
    scale), or None when every question has an answer on the scale."""
    for key in QUESTION_KEYS:
        value = answers.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value not in VALUES:
            return key
    for key in answers:
        if key not in QUESTION_KEYS:
            return key
    return None


def _tally(values: list[int], shown: bool) -> dict:
    scored = [v for v in values if v != DONT_KNOW]
    enough = shown and len(scored) >= SMALL_GROUP
    mean = Fraction(sum(scored), len(scored)) if enough else None
    return {
        "answers": len(values) if shown else None,
        "dont_know": len(values) - len(scored) if shown else None,
        "mean": mean,
    }


def _gap(staff: dict, users: dict) -> dict:
    if staff["mean"] is None or users["mean"] is None:
        return {"gap": None, "large": False, "direction": ""}
    gap = staff["mean"] - users["mean"]
    large = abs(gap) >= LARGE_GAP
    direction = ("staff_higher" if gap > 0 else "users_higher") if large else ""
    return {"gap": gap, "large": large, "direction": direction}


def _rounded(row: dict) -> dict:
    """Fractions as numbers with two decimals, for pages and JSON."""
    out = {}
    for key, value in row.items():
        if isinstance(value, Fraction):
            out[key] = round(float(value), 2)
        elif isinstance(value, dict):
            out[key] = _rounded(value)
        else:
            out[key] = value
    return out


def score(responses: list[tuple[str, dict]]) -> dict:
    """Figures of one round from its responses, each (side, {question key: 0-5}).

    Returns {"sides": {side: {"people": n or None, "shown": bool}}, "questions": [...],
    "themes": [...], "large_gaps": [sentence, ...], "overall": {side: mean or None}};
    each question and theme row has "staff" and "users" ({"answers", "dont_know",
    "mean"}), "gap" (staff minus users), "large" and "direction"."""
    by_side = {side: [answers for s, answers in responses if s == side] for side in SIDES}
    shown = {side: len(by_side[side]) >= SMALL_GROUP for side in SIDES}
    sides = {
        side: {"people": len(by_side[side]) if shown[side] else None, "shown": shown[side]}
        for side in SIDES
    }

    def values(side: str, keys: list[str]) -> list[int]:
        return [a[k] for a in by_side[side] for k in keys if a.get(k) in VALUES]

    questions = []
    for question in QUESTIONS:
        row = {side: _tally(values(side, [question.key]), shown[side]) for side in SIDES}
        row.update(_gap(row["staff"], row["users"]))
        questions.append(
            _rounded({"key": question.key, "theme": question.theme, **row})
            | {"statement": question.statement}
        )
    themes, large_gaps = [], []
    for theme in THEMES:
        keys = [q.key for q in QUESTIONS if q.theme == theme.key]
        row = {side: _tally(values(side, keys), shown[side]) for side in SIDES}
        row.update(_gap(row["staff"], row["users"]))
        words = getattr(theme, row["direction"]) if row["direction"] else ""
        if words:
            large_gaps.append(words)
        themes.append(
            _rounded({"key": theme.key, **row})
            | {"name": theme.name, "source": theme.source, "words": words}
        )
    overall = {
        side: _rounded({"m": _tally(values(side, QUESTION_KEYS), shown[side])["mean"]})["m"]
        for side in SIDES
    }
    return {
        "sides": sides,
        "questions": questions,
        "themes": themes,
        "large_gaps": large_gaps,
        "overall": overall,
    }


def trend(rounds: list[tuple[str, list[tuple[str, dict]]]]) -> list[dict]:
    """Each round's overall mean per side and the gap, oldest first: rounds are given as
    (title, responses) in the order they ran."""
    rows = []
    for title, responses in rounds:
        overall = score(responses)["overall"]
        staff, users = overall["staff"], overall["users"]
        gap = round(staff - users, 2) if staff is not None and users is not None else None
        rows.append({"title": title, "staff": staff, "users": users, "gap": gap})
    return rows


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover (every month has a 28th)


ROUND_WEEKS = 4  # how long a suggested round stays open
GAP_MONTHS = (3, 6)  # rounds are repeated every 3 to 6 months


def suggest_next(
    last_opens_on: datetime.date | None, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """When the next round might open and close: three months after the last opened
    (today, if that is past; today when there was none), open for four weeks."""
    opens = today
    if last_opens_on is not None:
        opens = max(today, add_months(last_opens_on, GAP_MONTHS[0]))
    return opens, opens + datetime.timedelta(weeks=ROUND_WEEKS)


def next_due(last_closes_on: datetime.date) -> datetime.date:
    """The day after which coordinators are told it is time for the next round."""
    return add_months(last_closes_on, GAP_MONTHS[0])


_STATEMENT = {question.key: question.statement for question in QUESTIONS}
_SCALE_WORDS = dict(SCALE)


def answers_in_words(answers: dict) -> list[str]:
    """A person's answers, in the order of the questions: "statement Your answer: Agree."
    each."""
    return [
        f"{_STATEMENT.get(key, key)} Your answer: {_SCALE_WORDS.get(answers[key], answers[key])}."
        for key in [*QUESTION_KEYS, *sorted(set(answers) - set(QUESTION_KEYS))]
        if key in answers
    ]
