"""Proposing ideas, and checking them for feasibility."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person
from coproduce.idempotency import SAME_CONTENT_WINDOW

from .. import access
from ..models import Feasibility, Idea, Round
from .common import idea_url, lock, tell_about


@transaction.atomic
def idea_propose(
    *,
    actor: Person,
    round_: Round,
    title: str,
    description: str,
    cost: int,
    run_by: str,
    proposer: Person | None = None,
    key: str = "",
) -> Idea:
    """A member proposes a project; a coordinator may propose it for someone not online
    (`proposer`): it is theirs, and the log says who entered it."""
    round_ = lock(round_)
    membership = hub_access.membership_of(actor, round_.hub)
    rights = access.round_rights(membership, round_)
    proposer = proposer or actor
    if proposer.pk != actor.pk and (
        not rights.coordinate or hub_access.membership_of(proposer, round_.hub) is None
    ):
        raise PermissionDenied("Only a coordinator can propose an idea for someone else.")
    if not rights.see:
        raise PermissionDenied("Only members of this hub can propose ideas.")
    if not rights.propose:
        raise ApplicationError("This round is not taking ideas now.", field="title")
    mine = Idea.objects.filter(round=round_, proposer=proposer)
    if key:
        earlier = mine.filter(key=key[:60]).first()
        if earlier is not None:
            return earlier
    # Back, then send again, fetches a new form with a new key: the same idea sent again
    # within minutes is the one already saved.
    earlier = mine.filter(
        title=title.strip(),
        cost=cost,
        created_at__gte=timezone.now() - SAME_CONTENT_WINDOW,
    ).first()
    if earlier is not None:
        return earlier
    if not isinstance(cost, int) or cost <= 0:
        raise ApplicationError("Say what it needs: more than 0.", field="cost")
    if cost > round_.amount:
        raise ApplicationError(
            f"It needs more than the whole round shares ({round_.amount_words}). Could it "
            "start smaller?",
            field="cost",
        )
    for name, value in (("title", title), ("description", description), ("run_by", run_by)):
        if not value.strip():
            raise ApplicationError("This is needed.", field=name)
    idea = Idea(
        round=round_,
        title=title.strip(),
        description=description.strip(),
        cost=cost,
        run_by=run_by.strip(),
        proposer=proposer,
        entered_by=actor if proposer.pk != actor.pk else None,
        key=key[:60],
    )
    validated_save(idea)
    audit(
        hub=round_.hub,
        actor=actor,
        on_behalf_of=proposer,
        event=AuditKind.SPACE_IDEA_PROPOSED,
        subject=idea,
        new={"title": idea.title, "cost": cost, "round": round_.pk},
    )
    return idea


@transaction.atomic
def idea_check(*, actor: Person, idea: Idea, feasible: bool, reason: str = "") -> Idea:
    """Staff mark an idea feasible (it goes on the ballot) or not, with a reason its
    proposer is told."""
    round_ = lock(idea.round)
    idea = Idea.objects.select_for_update(of=("self",)).select_related("proposer").get(pk=idea.pk)
    if not access.round_rights(hub_access.membership_of(actor, round_.hub), round_).check:
        if hub_access.is_staff(actor, round_.hub):
            raise ApplicationError("Ideas can no longer be checked: the vote has opened.")
        raise PermissionDenied("Only staff can check ideas.")
    reason = reason.strip()
    if not feasible and not reason:
        raise ApplicationError(
            "Say why it is not feasible: the person who proposed it is told.", field="reason"
        )
    status = Feasibility.FEASIBLE if feasible else Feasibility.NOT_FEASIBLE
    if idea.feasibility == status and idea.feasibility_reason == (reason if not feasible else ""):
        return idea  # sent twice
    old = {"feasibility": idea.feasibility}
    idea.feasibility = status
    idea.feasibility_reason = "" if feasible else reason
    idea.checked_by, idea.checked_at = actor, timezone.now()
    idea.save(update_fields=["feasibility", "feasibility_reason", "checked_by", "checked_at"])
    audit(
        hub=round_.hub,
        actor=actor,
        event=AuditKind.SPACE_IDEA_CHECKED,
        subject=idea,
        old=old,
        new={"feasibility": status, "reason": idea.feasibility_reason, "title": idea.title},
    )
    tell_about(
        [idea.proposer],
        round_,
        f"Your idea {idea.title}: {'on the ballot' if feasible else 'not feasible'}",
        "checked",
        idea_url(idea),
        actor,
        idea=idea,
    )
    return idea
