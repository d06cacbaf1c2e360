"""What the pledge pages show: read-only queries, no changes."""

from django.db.models import Prefetch, Q

from coproduce.deliberation.models import (
    AnalysisResult,
    Priority,
    Statement,
    StatementStatus,
)
from coproduce.deliberation.selectors import SIDES, statement_tallies
from coproduce.hubs.models import Hub, Membership

from . import workdays
from .content import draft_of, latest_version
from .diffs import differences, local_changes
from .models import Pledge, PledgeStatus


def pledges_for(hub: Hub, viewer: Membership | None):
    """The hub's pledges: published and retired ones for anyone, drafts for its members."""
    found = Pledge.objects.filter(hub=hub).select_related("adopted_from__hub")
    if not (viewer and viewer.hub_id == hub.pk):
        found = found.exclude(status=PledgeStatus.DRAFT)
    return found.order_by("status", "title")


def adoptions_shown(pledge: Pledge | None = None):
    """The local pledges made from a template that anyone may know of: published or
    retired ones. Another hub's draft is its own business until it is published."""
    found = Pledge.objects.exclude(status=PledgeStatus.DRAFT).select_related("hub")
    if pledge is not None:
        found = found.filter(adopted_from=pledge)
    return found.order_by("hub__name", "pk")


def templates():
    """Pledges offered as templates, on the whole site, with how often each was adopted."""
    return (
        Pledge.objects.filter(is_template=True, status=PledgeStatus.PUBLISHED)
        .select_related("hub")
        .prefetch_related(Prefetch("adoptions", queryset=adoptions_shown()))
        .order_by("title", "hub__name")
    )


def statement_shares(statement_ids: list[int]) -> dict[int, dict]:
    """For each statement: its votes (the latest of each person), the share who agree of
    those who decided, and the same for staff and for service users (from the
    conversation's running tallies, one row per statement)."""
    shares = {}
    for pk, tally in statement_tallies(statement_ids).items():
        decided = tally["agree"] + tally["disagree"]
        shares[pk] = {
            "agree": tally["agree"],
            "disagree": tally["disagree"],
            "passed": tally["passed"],
            "decided": decided,
            "share": tally["agree"] / decided if decided else None,
            "by_side": [
                (label, a / d if d else None, d)
                for side, label in SIDES.items()
                for a in [tally[f"{side}_agree"]]
                for d in [a + tally[f"{side}_disagree"]]
            ],
        }
    return shares


def grown_from_rows(content: dict, shares: dict[int, dict] | None = None) -> list[dict]:
    """The statements a version grew from, as it recorded them, with today's shares (given
    in `shares` by statement_shares for many pledges at once, or read here)."""
    ids = [g["statement"] for g in content.get("grown_from", [])]
    if shares is None or not set(ids) <= set(shares):
        shares = statement_shares(ids)
    return [{**g, **shares[g["statement"]]} for g in content.get("grown_from", [])]


def candidate_statements(hub: Hub, chosen: list[int]) -> list[Statement]:
    """Statements a pledge may grow from: the hub's priorities, the common ground of its
    conversations, and whatever is already chosen."""
    ids = set(chosen) | set(Priority.objects.filter(hub=hub).values_list("statement_id", flat=True))
    for result in AnalysisResult.objects.filter(conversation__hub=hub).only("result"):
        found = result.result or {}
        if found.get("ready"):
            for key in ("consensus", "role_consensus"):
                ids |= {int(s) for s in found.get(key, [])}
    statements = list(
        Statement.objects.filter(
            Q(pk__in=ids), conversation__hub=hub, status=StatementStatus.VISIBLE
        ).order_by("conversation_id", "pk")
    )
    priorities = set(Priority.objects.filter(hub=hub).values_list("statement_id", flat=True))
    for statement in statements:
        statement.is_priority = statement.pk in priorities
    return statements


def targets(content: dict) -> list[dict]:
    """Each category with its target in words."""
    return [
        {**c, "target": workdays.describe(c["target_amount"], c["target_unit"])}
        for c in content.get("categories", [])
    ]


def history(pledge: Pledge) -> list[dict]:
    """Every version, newest first, with what it changed and who signed it."""
    versions = list(pledge.versions.order_by("number").prefetch_related("sign_offs__person"))
    found, previous = [], None
    for version in versions:
        found.append(
            {
                "version": version,
                "changes": differences(previous, version.content),
                "sign_offs": list(version.sign_offs.all()),
            }
        )
        previous = version.content
    return found[::-1]


def changes_from_template(pledge: Pledge, content: dict) -> list[str] | None:
    """What a pledge adopted from a template changed from it (None if not adopted)."""
    if pledge.adopted_from is None:
        return None
    template = latest_version(pledge.adopted_from)
    return local_changes(template.content, content) if template else None


def draft_changes(pledge: Pledge) -> list[str]:
    latest = latest_version(pledge)
    return differences(latest.content if latest else None, draft_of(pledge))
