"""What the conversation pages show: read-only queries, no changes."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce

from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Person

from . import access
from .models import (
    AnalysisResult,
    Conversation,
    Participant,
    ParticipantRole,
    Statement,
    StatementStatus,
    StatementTally,
    Vote,
    side_of,
)
from .rules import COMMON_GROUND_LIMIT, MIN_VOTERS
from .services.analysis import READABLE_FORMATS

# Colours for groups on the map, from the Okabe-Ito palette (distinct for colour-blind
# readers); each is dark enough to show against white.
GROUP_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8A6D00", "#56106E"]
GROUP_LETTERS = "ABCDEF"
SIDES = {"staff": "Staff", "users": "Service users and residents"}


def conversations_for(person: Person, hub: Hub):
    """The hub's conversations this person may take part in, open ones first."""
    membership = hub_access.require_member(person, hub)
    # Counted per conversation in subqueries (a join of statements and participants
    # would pair every statement with every participant).
    return access.conversations_open_to(membership).annotate(
        statement_count=_count_of(
            Statement.objects.filter(status=StatementStatus.VISIBLE), "conversation"
        ),
        participant_count=_count_of(Participant.objects.all(), "conversation"),
    )


def _count_of(queryset, field_name: str):
    counted = (
        queryset.filter(**{field_name: OuterRef("pk")})
        .order_by()
        .values(field_name)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


@dataclass
class StatementRow:
    statement: Statement
    agree: int = 0
    disagree: int = 0
    passed: int = 0
    by_group: list = field(default_factory=list)  # (letter, agree share or None, votes)
    by_side: dict = field(default_factory=dict)  # side -> (agree share or None, votes)
    is_priority: bool = False
    # About what share of all participants would agree, and the 95% range: (share, low,
    # high), 0..1, or None before the analysis has predicted it.
    predicted: tuple | None = None
    # True when the analysis predicts but fewer than `min_voters` people took a side on
    # the statement in all: "too few votes" instead of a prediction.
    predicted_too_few: bool = False
    # For common ground: the share of the least convinced group we are 90% sure is
    # exceeded (what the list is ranked by), as a whole percentage rounded down, as the
    # analysis stored it (`surely`): the report never loads the engine or SciPy.
    surely: int | None = None

    @property
    def votes(self) -> int:
        return self.agree + self.disagree + self.passed

    @property
    def agree_share(self):
        decided = self.agree + self.disagree
        return self.agree / decided if decided else None


def _share(agree: int, decided: int, min_voters: int = 1):
    """(agree share, people who took a side); the share is None ("too few votes") when
    fewer than `min_voters` took a side."""
    return (agree / decided if decided and decided >= min_voters else None, decided)


def _representative(items, rows, min_voters) -> list[dict]:
    """A group's (or sub-group's) representative statements with their rows; the share
    is None where too few of them took a side to show one."""
    return [
        {
            **item,
            "agree_share": item["agree_share"] if item.get("votes", 0) >= min_voters else None,
            "row": rows[int(item["statement"])],
        }
        for item in items
        if int(item["statement"]) in rows
    ]


def _subgroups(result: dict, group: dict, letter: str, rows, min_voters) -> list[dict]:
    """The finer groups inside `group`, largest first, named A1, A2, ...; none when the
    group is not divided further. A finer group of fewer than SMALL_GROUP people is
    only "a few people": none of its own figures are shown."""
    found = sorted(
        (s for s in result.get("subgroups", []) if s.get("group") == group["id"]),
        key=lambda s: (-s["size"], s["id"]),
    )
    if len(found) < 2:
        return []
    return [
        {
            "name": f"{letter}{n}",
            "size": sub["size"],
            "few": sub["size"] < access.SMALL_GROUP,
            "representative": []
            if sub["size"] < access.SMALL_GROUP
            else _representative(sub.get("representative", []), rows, min_voters),
        }
        for n, sub in enumerate(found, start=1)
    ]


def report(conversation: Conversation) -> dict:
    """Everything the report page, its print view and its exports show. Reads one row
    per statement (the running tallies), the last analysis, and who took part; never
    the votes themselves."""
    cached = AnalysisResult.objects.filter(conversation=conversation).first()
    result = cached.result if cached else {}
    current = result.get("format") in READABLE_FORMATS
    ready = bool(result.get("ready")) and current
    groups = result.get("groups", []) if ready else []
    group_tallies = result.get("tallies", {}) if ready else {}
    predicted = result.get("predicted", {}) if ready else {}
    min_voters = result.get("min_voters", MIN_VOTERS)
    rows, vote_count = {}, 0
    for statement in (
        Statement.objects.filter(conversation=conversation)
        .select_related("priority", "tally")
        .order_by("id")
    ):
        tally = getattr(statement, "tally", None)
        counts = tally.as_dict() if tally else dict.fromkeys(StatementTally.COUNTS, 0)
        vote_count += counts["agree"] + counts["disagree"] + counts["passed"]
        if statement.status != StatementStatus.VISIBLE:
            continue
        row = StatementRow(
            statement,
            agree=counts["agree"],
            disagree=counts["disagree"],
            passed=counts["passed"],
            is_priority=hasattr(statement, "priority"),
        )
        per_group = group_tallies.get(str(statement.pk))
        row.by_group = [
            (
                GROUP_LETTERS[g["id"]],
                *(_share(*per_group[g["id"]], min_voters) if per_group else (None, 0)),
            )
            for g in groups
        ]
        row.by_side = {
            side: _share(
                counts[f"{side}_agree"],
                counts[f"{side}_agree"] + counts[f"{side}_disagree"],
                min_voters,
            )
            for side in SIDES
        }
        found = predicted.get(str(statement.pk))
        if predicted and counts["agree"] + counts["disagree"] < min_voters:
            row.predicted_too_few = True  # a prediction from so few votes says little
        elif found:
            row.predicted = tuple(found)
        rows[statement.pk] = row
    # People who voted but are in no group (null in `participants`): too few votes.
    placed = result.get("participants", {}) if ready else {}
    ungrouped = sum(1 for group in placed.values() if group is None)

    def listed(ids):
        return [rows[int(s)] for s in ids if int(s) in rows]

    group_cards = [
        {
            "letter": GROUP_LETTERS[g["id"]],
            "colour": GROUP_COLOURS[g["id"]],
            "size": g["size"],
            "staff": g.get("staff", 0),
            "users": g.get("users", 0),
            "representative": _representative(g["representative"], rows, min_voters),
            "subgroups": _subgroups(result, g, GROUP_LETTERS[g["id"]], rows, min_voters),
        }
        for g in groups
    ]
    if not result:
        message = ""
    elif not current:
        message = "The groups are being worked out again. Come back in a minute."
    else:
        message = result.get("message", "")
    participation = _participation(conversation)
    # Without both staff and service users there is nothing to compare across roles:
    # the report, its print view and its exports say nothing about roles.
    has_roles = participation["has_roles"]
    consensus = listed(result.get("consensus", []) if ready else [])
    surely = result.get("surely", {}) if ready else {}
    for row in consensus:
        row.surely = surely.get(str(row.statement.pk))
    return {
        "analysis": cached,
        "freshness": _freshness(conversation, cached),
        "ready": ready,
        "message": message,
        "groups": group_cards,
        "consensus": consensus,
        "divides": listed(result.get("divides", []) if ready else []),
        "role_consensus": listed(result.get("role_consensus", []) if ready and has_roles else []),
        "role_divides": listed(result.get("role_divides", []) if ready and has_roles else []),
        "statements": sorted(rows.values(), key=lambda r: -r.votes),
        "participation": participation,
        "vote_count": vote_count,
        "map": _map_points(result, has_roles) if ready else [],
        "map_people": len(result.get("map", {})) if ready else 0,
        "has_roles": has_roles,
        "sides": SIDES if has_roles else {},
        "min_voters": min_voters,
        "predicted": bool(predicted),
        "analysed_people": len(placed),
        "ungrouped": ungrouped,
        "common_ground_limit": COMMON_GROUND_LIMIT,
    }


@dataclass
class Freshness:
    """How up to date the groups are: when the analysis read the votes, how many votes
    came since, and whether a newer analysis is on its way."""

    as_of: object = None
    votes_since: int = 0
    waiting: bool = False


def _freshness(conversation: Conversation, cached) -> Freshness:
    if cached is None:
        return Freshness(waiting=conversation.analysis_wanted_at is not None)
    return Freshness(
        as_of=cached.computed_at,
        votes_since=max(0, conversation.votes_cast - cached.votes_cast),
        waiting=conversation.analysis_wanted_at is not None,
    )


def _participation(conversation: Conversation) -> dict:
    """People with a vote on a statement that is showing, by role and by area (counted
    by the database, one row per role and area), and whether both sides took part."""
    counted = (
        Participant.objects.filter(conversation=conversation)
        .filter(
            Exists(
                Vote.objects.filter(
                    participant=OuterRef("pk"), statement__status=StatementStatus.VISIBLE
                )
            )
        )
        .values_list("role", "area")
        .annotate(people=Count("pk"))
        .order_by()
    )
    labels = dict(ParticipantRole.choices)
    by_role, by_area, total, sides = Counter(), Counter(), 0, set()
    for role, area, people in counted:
        by_role[labels.get(role, role)] += people
        by_area[area or "Not given"] += people
        total += people
        sides.add(side_of(role))
    return {
        "total": total,
        # Staff and service users both took part: the report compares them. Not in a
        # conversation imported from Polis (everyone anonymous) or of one side only.
        "has_roles": set(SIDES) <= sides,
        "by_role": sorted(by_role.items(), key=lambda item: -item[1]),
        "by_area": sorted(by_area.items(), key=lambda item: (-item[1], item[0])),
    }


MAP_MARKS = 500  # people drawn on the opinion map at most


def _map_points(result: dict, has_roles: bool = True) -> list[dict]:
    """Map positions scaled to a 400 x 300 drawing, with each person's group colour and
    side (staff are drawn as squares, everyone else as circles, but only when both
    sides took part: the legend that explains the squares is shown only then)."""
    positions = result.get("map", {}) if result.get("ready") else {}
    if not positions:
        return []
    xs = [xy[0] for xy in positions.values()]
    ys = [xy[1] for xy in positions.values()]
    if len(positions) > MAP_MARKS:
        # Every n-th person, in a fixed order, so each group keeps about its share and
        # the page's size does not grow with the conversation (the scale stays that of
        # everyone, so the drawing does not jump as people join).
        order = sorted(positions)
        step = len(order) / MAP_MARKS
        positions = {p: positions[p] for p in (order[int(i * step)] for i in range(MAP_MARKS))}
    left, top = min(xs), min(ys)
    span_x, span_y = (max(xs) - left) or 1, (max(ys) - top) or 1
    group_of = result.get("participants", {})
    staff = set(result.get("staff", ())) if has_roles else set()
    points = []
    for participant, (x, y) in positions.items():
        group = group_of.get(participant)
        points.append(
            {
                "x": round(20 + 360 * (x - left) / span_x, 1),
                "y": round(20 + 260 * (y - top) / span_y, 1),
                "colour": GROUP_COLOURS[group] if group is not None else "#6B6B6B",
                "staff": participant in staff,
            }
        )
    return points


def statement_tallies(statement_ids) -> dict[int, dict]:
    """Statement id -> its running counts (agree, disagree, passed, and the same per
    side: staff_agree, users_disagree, ...), one row per statement."""
    found = {pk: dict.fromkeys(StatementTally.COUNTS, 0) for pk in statement_ids}
    for tally in StatementTally.objects.filter(statement_id__in=list(found)):
        found[tally.statement_id] = tally.as_dict()
    return found


# --- the report as the JSON download publishes it -----------------------------------------

ROLE_KEYS = ("role_consensus", "role_divides", "role_surely", "staff")


def published_analysis(result: dict, has_roles: bool) -> dict:
    """The stored analysis, with no figures of a finer group of fewer than
    access.SMALL_GROUP people ("a few people" on the page): no size, no shares; and
    nothing about roles unless staff and service users both took part."""
    result = dict(result)
    if "subgroups" in result:
        result["subgroups"] = [
            sub
            if sub.get("size", 0) >= access.SMALL_GROUP
            else {**sub, "size": None, "few": True, "representative": []}
            for sub in result["subgroups"]
        ]
    if not has_roles:
        for key in ROLE_KEYS:
            result.pop(key, None)
        if "groups" in result:
            result["groups"] = [
                {k: v for k, v in group.items() if k not in ("staff", "users")}
                for group in result["groups"]
            ]
    return result


def published_participation(participation: dict) -> dict:
    """Who took part, as the JSON gives it: by role only when the report compares roles."""
    shown = {k: v for k, v in participation.items() if k != "has_roles"}
    if not participation["has_roles"]:
        shown.pop("by_role")
    return shown
