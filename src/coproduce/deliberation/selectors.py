"""What the conversation pages show: read-only queries, no changes."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Person

from . import access
from .models import (
    AnalysisResult,
    Conversation,
    Participant,
    Statement,
    StatementStatus,
    Vote,
    side_of,
)

# Colours for groups on the map, from the Okabe-Ito palette (distinct for colour-blind
# readers); each is dark enough to show against white.
GROUP_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8A6D00", "#56106E"]
GROUP_LETTERS = "ABCDEF"
SIDES = {"staff": "Staff", "users": "Service users and residents"}


def conversations_for(person: Person, hub: Hub):
    """The hub's conversations this person may take part in, open ones first."""
    membership = hub_access.require_member(person, hub)
    found = access.conversations_open_to(membership).annotate(
        statement_count=Count(
            "statements", filter=Q(statements__status=StatementStatus.VISIBLE), distinct=True
        ),
        participant_count=Count("participants", distinct=True),
    )
    return found


@dataclass
class StatementRow:
    statement: Statement
    agree: int = 0
    disagree: int = 0
    passed: int = 0
    by_group: list = field(default_factory=list)  # (letter, agree share or None, votes)
    by_side: dict = field(default_factory=dict)  # side -> (agree share or None, votes)
    is_priority: bool = False

    @property
    def votes(self) -> int:
        return self.agree + self.disagree + self.passed

    @property
    def agree_share(self):
        decided = self.agree + self.disagree
        return self.agree / decided if decided else None


def _share(agree: int, decided: int):
    return (agree / decided if decided else None, decided)


def report(conversation: Conversation) -> dict:
    """Everything the report page, its print view and its exports show."""
    cached = AnalysisResult.objects.filter(conversation=conversation).first()
    result = cached.result if cached else {}
    groups = result.get("groups", []) if result.get("ready") else []
    group_of = {int(p): g for p, g in result.get("participants", {}).items() if g is not None}
    participants = {
        p.pk: p for p in Participant.objects.filter(conversation=conversation).only("role", "area")
    }
    statements = {
        s.pk: s
        for s in Statement.objects.filter(
            conversation=conversation, status=StatementStatus.VISIBLE
        ).select_related("priority")
    }
    latest = {}
    for participant_id, statement_id, value in (
        Vote.objects.filter(statement__conversation=conversation)
        .order_by("id")
        .values_list("participant_id", "statement_id", "value")
    ):
        latest[participant_id, statement_id] = value
    rows = {pk: StatementRow(s, is_priority=hasattr(s, "priority")) for pk, s in statements.items()}
    group_counts = defaultdict(lambda: [0, 0])  # (statement, group) -> [agree, decided]
    side_counts = defaultdict(lambda: [0, 0])
    voters = set()
    for (participant_id, statement_id), value in latest.items():
        row = rows.get(statement_id)
        if row is None:
            continue
        voters.add(participant_id)
        if value == 1:
            row.agree += 1
        elif value == -1:
            row.disagree += 1
        else:
            row.passed += 1
            continue
        agreed = int(value == 1)
        if participant_id in group_of:
            counts = group_counts[statement_id, group_of[participant_id]]
            counts[0] += agreed
            counts[1] += 1
        side = side_of(participants[participant_id].role)
        if side:
            counts = side_counts[statement_id, side]
            counts[0] += agreed
            counts[1] += 1
    for pk, row in rows.items():
        row.by_group = [
            (GROUP_LETTERS[g["id"]], *_share(*group_counts[pk, g["id"]])) for g in groups
        ]
        row.by_side = {side: _share(*side_counts[pk, side]) for side in SIDES}

    def listed(ids):
        return [rows[int(s)] for s in ids if int(s) in rows]

    group_cards = []
    for g in groups:
        members = [p for p, group in group_of.items() if group == g["id"]]
        sides = Counter(side_of(participants[p].role) for p in members if p in participants)
        group_cards.append(
            {
                "letter": GROUP_LETTERS[g["id"]],
                "colour": GROUP_COLOURS[g["id"]],
                "size": g["size"],
                "staff": sides.get("staff", 0),
                "users": sides.get("users", 0),
                "representative": [
                    {**r, "row": rows[int(r["statement"])]}
                    for r in g["representative"]
                    if int(r["statement"]) in rows
                ],
            }
        )
    taking_part = [participants[p] for p in voters if p in participants]
    return {
        "analysis": cached,
        "ready": bool(result.get("ready")),
        "message": result.get("message", ""),
        "groups": group_cards,
        "consensus": listed(result.get("consensus", [])),
        "divides": listed(result.get("divides", [])),
        "role_consensus": listed(result.get("role_consensus", [])),
        "role_divides": listed(result.get("role_divides", [])),
        "statements": sorted(rows.values(), key=lambda r: -r.votes),
        "participation": _participation(taking_part),
        "vote_count": len(latest),
        "map": _map_points(result, participants),
        "sides": SIDES,
    }


def _participation(taking_part: list[Participant]) -> dict:
    by_role = Counter(p.get_role_display() for p in taking_part)
    by_area = Counter(p.area or "Not given" for p in taking_part)
    return {
        "total": len(taking_part),
        "by_role": sorted(by_role.items(), key=lambda item: -item[1]),
        "by_area": sorted(by_area.items(), key=lambda item: (-item[1], item[0])),
    }


def _map_points(result: dict, participants: dict) -> list[dict]:
    """Map positions scaled to a 400 x 300 drawing, with each person's group colour and
    side (staff are drawn as squares, everyone else as circles)."""
    positions = result.get("map", {}) if result.get("ready") else {}
    if not positions:
        return []
    xs = [xy[0] for xy in positions.values()]
    ys = [xy[1] for xy in positions.values()]
    left, top = min(xs), min(ys)
    span_x, span_y = (max(xs) - left) or 1, (max(ys) - top) or 1
    group_of = result.get("participants", {})
    points = []
    for participant, (x, y) in positions.items():
        group = group_of.get(participant)
        person = participants.get(int(participant))
        points.append(
            {
                "x": round(20 + 360 * (x - left) / span_x, 1),
                "y": round(20 + 260 * (y - top) / span_y, 1),
                "colour": GROUP_COLOURS[group] if group is not None else "#6B6B6B",
                "staff": bool(person and side_of(person.role) == "staff"),
            }
        )
    return points
