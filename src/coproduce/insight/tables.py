"""Every table of the insight dashboard, made from the report (see report.py for its
shape): the same tables are shown on the dashboard and the board report and downloaded
as CSV, so a figure reads the same wherever it is seen.

A table is a list of columns, each with a kind that says how its cells are written:
on a page hours as "1 h 30 min", money as "£1,234.50", shares as "30%"; in a CSV hours
as h:mm, money as pounds with two decimals. A figure the report does not know (None)
is written "not known". Counts of people in the public summary are written "fewer than
5" below the small-group size."""

from dataclasses import dataclass

from coproduce.csv_export import hours_hmm
from coproduce.involve.guard import money
from coproduce.timebank.models import format_minutes

from .access import SMALL_GROUP
from .charts import percent

TEXT, COUNT, PEOPLE, SHARE, MINUTES, PENCE, NUMBER, HOURS = (
    "text",
    "count",
    "people",
    "share",
    "minutes",
    "pence",
    "number",
    "hours",  # a number of hours: "70 hours (about 3 days)" on a page, 70.0 in a CSV
)
UNKNOWN = "not known"

ACTIVITY_NAMES = {
    "timebank": "Time bank",
    "referrals": "Referrals",
    "involvement": "Involvement",
    "conversations": "Conversations",
    "reports": "Reports",
    "space": "Your Space",
}
BENEFITS = [
    ("hours_received_minutes", "Hours received", MINUTES),
    ("chest_minutes", "Hours from the community chest", MINUTES),
    ("space_funded", "Your Space projects funded", COUNT),
    ("pledge_breaches", "Pledges broken", COUNT),
]
SPREAD = [
    ("only_gave", "Only gave"),
    ("mostly_gave", "Mostly gave"),
    ("balanced", "Gave and received about equally"),
    ("mostly_received", "Mostly received"),
    ("only_received", "Only received"),
]
MONITORING_QUESTIONS = {
    "age_band": "Age",
    "disability": "Disability",
    "ethnicity": "Ethnicity",
    "carer": "Caring for someone",
}


@dataclass(frozen=True)
class Table:
    name: str  # its CSV's name: /insight/<name>.csv
    title: str
    columns: list[tuple[str, str]]  # (heading, kind)
    rows: list[list]
    detail: bool = False  # names members: coordinators only
    hide_below: int | None = None  # counts of people under this are hidden everywhere

    def page_rows(self, small_group: int | None = None) -> list[list[str]]:
        """The cells in words; counts of people under `small_group` (or the table's own
        `hide_below`) written "fewer than N"."""
        hide = small_group or self.hide_below
        return [
            [page_cell(v, kind, hide) for v, (_, kind) in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def csv_header(self) -> list[str]:
        return [
            f"{heading} (hours)"
            if kind == MINUTES
            else f"{heading} (£)"
            if kind == PENCE
            else heading
            for heading, kind in self.columns
        ]

    def csv_rows(self) -> list[list]:
        return [
            [
                csv_cell(v, kind, self.hide_below)
                for v, (_, kind) in zip(row, self.columns, strict=True)
            ]
            for row in self.rows
        ]


def page_cell(value, kind: str, small_group: int | None = None) -> str:
    if kind == PEOPLE and small_group is not None and (value is None or value < small_group):
        return f"fewer than {small_group}"
    if value is None:
        return UNKNOWN
    if isinstance(value, str):  # a figure said in words ("no rate set")
        return value
    if kind == MINUTES:
        return format_minutes(int(value))
    if kind == PENCE:
        return money(int(value))
    if kind == SHARE:
        return percent(value)
    if kind in (COUNT, PEOPLE):
        return f"{value:,}"
    if kind == NUMBER:
        return f"{value:,.1f}"
    if kind == HOURS:
        return hours_words(value)
    return str(value)


def hours_words(hours: float) -> str:
    """70.0 -> "70 hours (about 3 days)"; under a day, just the hours."""
    whole = round(hours)
    words = f"{whole:,} {'hour' if whole == 1 else 'hours'}"
    if whole < 1:
        return "under an hour"
    if whole >= 36:
        days = round(hours / 24)
        words += f" (about {days:,} days)"
    return words


def csv_cell(value, kind: str, small_group: int | None = None):
    if kind == PEOPLE and small_group is not None and (value is None or value < small_group):
        return f"fewer than {small_group}"
    if value is None or (isinstance(value, str) and kind != TEXT):
        return "" if value is None else value
    if kind == MINUTES:
        return hours_hmm(int(value))
    if kind == PENCE:
        return f"{int(value) / 100:.2f}"
    if kind == SHARE:
        return percent(value)
    return value


def _activities(report: dict) -> list[str]:
    return list(report["equity"]["activities"])


def _equity_columns(report: dict, first: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        *first,
        ("Population", COUNT),
        ("People taking part", PEOPLE),
        ("Taking part for every 1,000 people", NUMBER),
        *[(ACTIVITY_NAMES.get(a, a), PEOPLE) for a in _activities(report)],
        *[(heading, kind) for _, heading, kind in BENEFITS],
    ]


def _equity_cells(report: dict, group: dict) -> list:
    participation = group.get("participation") or {}
    benefit = group.get("benefit") or {}
    return [
        group.get("population"),
        group.get("people"),
        group.get("per_1000"),
        *[participation.get(a) for a in _activities(report)],
        *[benefit.get(key) for key, _, _ in BENEFITS],
    ]


def by_decile(report: dict) -> Table:
    return Table(
        "by_decile",
        "Taking part and benefit, by deprivation decile (1 is the most deprived tenth)",
        _equity_columns(report, [("Decile", TEXT)]),
        [[g["decile"], *_equity_cells(report, g)] for g in report["equity"]["by_decile"]],
    )


def public_by_decile(report: dict) -> Table:
    """For anyone: people taking part by decile against the population. A rate is left
    out where the group is small, as it would give the count away."""
    small = report.get("small_group") or SMALL_GROUP
    rows = []
    for group in report["equity"]["by_decile"]:
        people = group.get("people")
        shown = people is not None and people >= small
        rows.append(
            [
                group["decile"],
                group.get("population"),
                people,
                group.get("per_1000") if shown else None,
            ]
        )
    return Table(
        "by_decile",
        "People taking part, by deprivation decile (1 is the most deprived tenth)",
        [
            ("Decile", TEXT),
            ("Population", COUNT),
            ("People taking part", PEOPLE),
            ("Taking part for every 1,000 people", NUMBER),
        ],
        rows,
        hide_below=small,
    )


def by_area(report: dict) -> Table:
    rows = [
        [g["area"], g["decile"], *_equity_cells(report, g)] for g in report["equity"]["by_area"]
    ]
    unknown = report["equity"].get("unknown_area") or {}
    if unknown.get("people"):
        rows.append(["Area not known", None, *_equity_cells(report, unknown)])
    return Table(
        "by_area",
        "Taking part and benefit, by area",
        _equity_columns(report, [("Area", TEXT), ("Decile", TEXT)]),
        rows,
    )


def monitoring(report: dict) -> Table:
    rows = [
        [MONITORING_QUESTIONS.get(question, question), answer["answer"], answer["people"]]
        for question, answers in report["monitoring"]["questions"].items()
        for answer in answers
    ]
    return Table(
        "monitoring",
        "Equality monitoring: what people chose to say (groups under 5 hidden)",
        [("Question", TEXT), ("Answer", TEXT), ("People", PEOPLE)],
        rows,
        hide_below=report["small_group"],
    )


def reciprocity(report: dict) -> Table:
    months = report["reciprocity"].get("by_month") or []
    return Table(
        "reciprocity",
        "Members, exchanges and hours, month by month",
        [("Month", TEXT), ("Active members", COUNT), ("Exchanges", COUNT), ("Hours", MINUTES)],
        [[m["month"], m["active"], m["exchanges"], m["minutes"]] for m in months],
    )


def give_and_receive(report: dict) -> Table:
    spread = report["reciprocity"].get("ratio_spread") or {}
    return Table(
        "give_and_receive",
        "How members' giving and receiving compare",
        [("Members who", TEXT), ("People", COUNT)],
        [[label, spread.get(key)] for key, label in SPREAD if key in spread],
    )


def pledges(report: dict) -> Table:
    rows = report["reliability"].get("pledges") or []
    return Table(
        "pledges",
        "Pledges: the share kept",
        [("Pledge", TEXT), ("Kept", SHARE), ("Reports", COUNT)],
        [[p["pledge"], p["kept_rate"], p["reports"]] for p in rows],
    )


def escalations(report: dict) -> Table:
    rows = report["reliability"].get("escalations") or []
    return Table(
        "escalations",
        "Escalations, by kind, and how long they took to resolve",
        [("Kind", TEXT), ("Escalations", COUNT), ("Median time to resolve, hours", HOURS)],
        [[e["kind"], e["count"], e["median_hours_to_resolve"]] for e in rows],
    )


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def value(report: dict) -> Table:
    figures = report["value"]
    rows = []
    role = bool(figures) and figures.get("method") == "role"
    if figures:
        rows.append(
            [
                "All help",
                figures.get("method_label"),
                figures.get("year"),
                "each kind its own" if role else figures.get("rate_pence"),
                figures.get("minutes"),
                figures.get("value_pence"),
            ]
        )
    for kind in figures.get("by_kind") or []:
        rate = kind.get("rate_pence")
        rows.append(
            [
                _first_upper(kind.get("name") or "help with no kind recorded"),
                figures.get("method_label"),
                figures.get("year"),
                rate if rate else "no rate set",
                kind.get("minutes"),
                kind.get("value_pence") if rate else "not valued",
            ]
        )
    return Table(
        "value",
        "The value of the hours given",
        [
            ("Help", TEXT),
            ("Valued at", TEXT),
            ("Year of the rate", TEXT),
            ("Rate an hour", PENCE),
            ("Hours", MINUTES),
            ("Value", PENCE),
        ],
        rows,
    )


def busiest(report: dict) -> Table:
    people = report.get("people") or {}
    return Table(
        "busiest",
        "The busiest tenth of members, by hours given",
        [("Member", TEXT), ("Hours given", MINUTES)],
        [[p.get("name"), p.get("minutes")] for p in people.get("busiest") or []],
        detail=True,
    )


def burnout(report: dict) -> Table:
    people = report.get("people") or {}
    return Table(
        "burnout",
        "Members who may be giving too much",
        [("Member", TEXT), ("Hours given", MINUTES)],
        [[p.get("name"), p.get("minutes")] for p in people.get("burnout") or []],
        detail=True,
    )


MAKERS = {
    "by_decile": by_decile,
    "by_area": by_area,
    "monitoring": monitoring,
    "reciprocity": reciprocity,
    "give_and_receive": give_and_receive,
    "pledges": pledges,
    "escalations": escalations,
    "value": value,
    "busiest": busiest,
    "burnout": burnout,
}
DETAIL = {"busiest", "burnout"}


def all_tables(report: dict, *, detail: bool) -> dict[str, Table]:
    """Every table, by name; the member-level ones only with `detail`."""
    return {name: make(report) for name, make in MAKERS.items() if detail or name not in DETAIL}
