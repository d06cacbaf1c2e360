"""Who may see and do what with referrals, offers, projects, rotas and escalations: the
one place these rules live. Each function takes the person's membership (looked up once
per request) and returns a small frozen dataclass of rights; services enforce them and
views, templates and the API read them.

Rules:
- Referrals are for staff: coordinators see all of one; the referrer (and staff of the
  same organisation) see its progress but never the volunteer's details; the person
  referred sees their own; a volunteer, while asked or after saying yes, sees only what
  the coordinator shared. Anyone else gets a 404, never a hint that it exists.
- Only the volunteer asked answers an offer; coordinators send and withdraw offers.
- A project's lead (or a coordinator) runs its rota; anyone trained may train others.
- A project accepts on its rota only people with its training valid on the day (and its
  safeguarding check, if it needs one): `project_refuses` is that rule, read by the rota,
  by the matcher when a referral's help comes through a project, and by the offers.
- Coordinators set up regular help for a matched referral, and record a past turn that
  nobody signed up for. They alone say which referral a rota's turns are for: any open
  referral of the hub, whichever project it was sent to (a matched one is sent to none).
- A rota place is given up, swapped or logged by its holder or the lead; only the lead
  (or a coordinator) marks it missed or confirms it, and never their own time.
- An escalation is resolved by the staff member it was given to, or a coordinator, who
  alone passes it on.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from coproduce.hubs import access as hub_access
from coproduce.hubs import pickers
from coproduce.hubs import selectors as hub_selectors
from coproduce.hubs.models import Membership, Person, SafeguardingCheck

from .models import (
    OPEN_REFERRAL_STATUSES,
    Assignment,
    Escalation,
    MatchOffer,
    OfferStatus,
    Project,
    Referral,
    ReferralStatus,
    TrainingRecord,
)

# How much of a referral a person sees (see the module's rules).
COORDINATOR, REFERRER, PERSON, VOLUNTEER = "coordinator", "referrer", "person", "volunteer"


# --- referrals ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRights:
    view: str | None = None
    triage: bool = False
    send_offers: bool = False
    start: bool = False
    close: bool = False
    plan: bool = False  # set up regular help, once a volunteer has said yes

    @property
    def see(self) -> bool:
        return self.view is not None

    @property
    def see_progress(self) -> bool:
        """How many contacts and the last one: for the referrer and the coordinators,
        never with the volunteer's details."""
        return self.view in (COORDINATOR, REFERRER)


def _is_referrer(membership: Membership, referral: Referral) -> bool:
    return referral.referred_by_id == membership.person_id or bool(
        membership.is_staff_or_above
        and membership.organisation_id
        and membership.organisation_id == referral.organisation_id
    )


def referral_rights(membership: Membership | None, referral: Referral) -> ReferralRights:
    if membership is None or membership.hub_id != referral.hub_id:
        return ReferralRights()
    if membership.can_coordinate:
        return ReferralRights(
            view=COORDINATOR,
            triage=True,
            send_offers=True,
            start=True,
            close=True,
            plan=referral.status in (ReferralStatus.MATCHED, ReferralStatus.ACTIVE),
        )
    offers = set(
        MatchOffer.objects.filter(
            referral=referral,
            volunteer_id=membership.person_id,
            status__in=[OfferStatus.SENT, OfferStatus.ACCEPTED],
        ).values_list("status", flat=True)
    )
    # The volunteer who said yes marks the help as started, even if they also work for
    # the referring organisation.
    start = OfferStatus.ACCEPTED in offers
    if _is_referrer(membership, referral):
        return ReferralRights(view=REFERRER, start=start)
    if referral.person_id == membership.person_id:
        return ReferralRights(view=PERSON)
    if offers:
        return ReferralRights(view=VOLUNTEER, start=start)
    return ReferralRights()


def referrals_followed_by(membership: Membership):
    """The referrals a member of staff follows, as a queryset: every one for coordinators;
    for other staff, the ones they or their organisation made (see `_is_referrer`)."""
    referrals = Referral.objects.filter(hub_id=membership.hub_id)
    if membership.can_coordinate:
        return referrals
    mine = Q(referred_by_id=membership.person_id)
    if membership.organisation_id and membership.is_staff_or_above:
        mine |= Q(organisation_id=membership.organisation_id)
    return referrals.filter(mine)


def referral_view_of(person: Person | None, referral: Referral) -> str | None:
    """How much of a referral this person may see: 'coordinator' (all), 'referrer'
    (progress and the description; no volunteer details), 'person' (their own referral),
    'volunteer' (what the coordinator shared), or None."""
    return referral_rights(hub_access.membership_of(person, referral.hub), referral).view


def referral_for(membership: Membership | None, referral_id: int):
    """The referral and this person's rights; 404 unless they may see it."""
    if membership is None:
        raise Http404("No such referral.")
    referral = get_object_or_404(
        Referral.objects.select_related(
            "hub", "person", "referred_by", "category", "neighbourhood", "consent"
        ),
        pk=referral_id,
        hub_id=membership.hub_id,
    )
    rights = referral_rights(membership, referral)
    if not rights.see:
        raise Http404("No such referral.")  # never say that it exists
    return referral, rights


# --- offers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferRights:
    answer: bool = False
    withdraw: bool = False


def rights_on_offer(person: Person, offer: MatchOffer) -> OfferRights:
    return offer_rights(hub_access.membership_of(person, offer.referral.hub), offer)


def offer_rights(membership: Membership | None, offer: MatchOffer) -> OfferRights:
    if membership is None or membership.hub_id != offer.referral.hub_id:
        return OfferRights()
    return OfferRights(
        answer=offer.volunteer_id == membership.person_id,
        withdraw=membership.can_coordinate,
    )


# --- projects and rotas -------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectRights:
    see: bool = False
    lead: bool = False
    end: bool = False
    trained: bool = False
    train_others: bool = False
    record_past: bool = False  # a turn that happened, which nobody signed up for

    @property
    def manage_rota(self) -> bool:
        """Add slots, put others on the rota, confirm time: the lead or a coordinator."""
        return self.lead


def project_rights(membership: Membership | None, project: Project) -> ProjectRights:
    if membership is None or membership.hub_id != project.hub_id:
        return ProjectRights()
    lead = project.lead_id == membership.person_id or membership.can_coordinate
    has_training = (
        bool(project.training)
        and (
            trained_for(project, on=timezone.localdate()).filter(person_id=membership.person_id)
        ).exists()
    )
    return ProjectRights(
        see=True,
        lead=lead,
        end=membership.can_coordinate,
        trained=not project.training or has_training,
        train_others=lead or has_training,
        record_past=membership.can_coordinate,
    )


def trained_for(project: Project, *, on: datetime.date):
    """The ids of the people whose training for the project is valid on `on`: given by
    then, and not expired."""
    return (
        TrainingRecord.objects.filter(project=project, trained_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=on))
        .values_list("person_id", flat=True)
    )


def is_trained(person: Person, project: Project, *, on: datetime.date | None = None) -> bool:
    """Has the project's training valid on `on` (today), or it needs none."""
    if not project.training:
        return True
    return trained_for(project, on=on or timezone.localdate()).filter(person_id=person.pk).exists()


def project_refuses(project: Project, person: Person, *, on: datetime.date) -> str | None:
    """Why the project cannot have this person on its rota on the day `on`, naming them
    (its training, its safeguarding check); None when it can. The one gate: taking a
    turn, putting someone on the rota, matching and asking a volunteer for a referral
    whose help comes through the project all read it."""
    if not is_trained(person, project, on=on):
        return f"{person} needs the project's training first: {project.training}."
    if project.needs_check and hub_selectors.valid_check_until(project.hub, person, on) is None:
        return (
            f"This project needs a safeguarding check valid on {on:%-d %B %Y}, and {person} "
            "has none."
        )
    return None


def accepted_by(project: Project, people, *, on: datetime.date) -> list:
    """Those of `people` the project accepts on its rota on `on` (see project_refuses):
    the choices a form offers, so that no choice is one the service refuses."""
    people = list(people)
    allowed = {p.pk for p in people}
    if project.training:
        allowed &= set(trained_for(project, on=on).filter(person_id__in=allowed))
    if project.needs_check:
        allowed &= set(
            SafeguardingCheck.objects.filter(
                hub_id=project.hub_id,
                person_id__in=allowed,
                issued_on__lte=on,
                expires_on__gt=on,
            ).values_list("person_id", flat=True)
        )
    return [p for p in people if p.pk in allowed]


def rights_on_project(person: Person, project: Project) -> ProjectRights:
    """For services, given a person: a member of the hub, or refused."""
    return project_rights(hub_access.require_member(person, project.hub), project)


def require_lead(person: Person, project: Project) -> ProjectRights:
    rights = rights_on_project(person, project)
    if not rights.lead:
        raise PermissionDenied("Only the project's lead or a coordinator can do this.")
    return rights


def project_for(membership: Membership, project_id: int) -> tuple[Project, ProjectRights]:
    project = get_object_or_404(
        Project.objects.select_related("hub", "lead", "organisation"),
        pk=project_id,
        hub_id=membership.hub_id,
    )
    return project, project_rights(membership, project)


@dataclass(frozen=True)
class AssignmentRights:
    give_up: bool = False
    swap: bool = False
    log: bool = False
    missed: bool = False
    confirm: bool = False
    log_for_someone_else: bool = False


def assignment_rights(
    membership: Membership | None, assignment: Assignment, project: ProjectRights | None = None
) -> AssignmentRights:
    """What this member may do with a place on the rota (its holder, or the lead)."""
    if membership is None:
        return AssignmentRights()
    project = project or project_rights(membership, assignment.slot.project)
    if not project.see:
        return AssignmentRights()
    holder_or_lead = assignment.person_id == membership.person_id or project.lead
    return AssignmentRights(
        give_up=holder_or_lead,
        swap=holder_or_lead,
        log=holder_or_lead,
        missed=project.lead,
        confirm=project.lead and assignment.person_id != membership.person_id,
        log_for_someone_else=project.lead and assignment.person_id != membership.person_id,
    )


def rights_on_assignment(person: Person, assignment: Assignment) -> AssignmentRights:
    membership = hub_access.require_member(person, assignment.slot.project.hub)
    return assignment_rights(membership, assignment)


# --- escalations --------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationRights:
    see: bool = False
    resolve: bool = False
    reassign: bool = False


def escalation_rights(membership: Membership | None, escalation: Escalation) -> EscalationRights:
    if membership is None or membership.hub_id != escalation.hub_id:
        return EscalationRights()
    return EscalationRights(
        see=membership.is_staff_or_above,
        resolve=escalation.assigned_to_id == membership.person_id or membership.can_coordinate,
        reassign=membership.can_coordinate,
    )


# --- who may be chosen in this app's people pickers (see hubs/pickers.py) -------------------


def _project_param(membership: Membership, params) -> tuple[Project, ProjectRights]:
    raw = str(params.get("project", ""))
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise Http404("No such project in this hub.")
    return project_for(membership, int(raw))


def _staff(membership: Membership, _params):
    return membership.hub if membership.is_staff_or_above else None


def _coordinator(membership: Membership, _params):
    return membership.hub if membership.can_coordinate else None


def _rota_manager(membership: Membership, params):
    project, rights = _project_param(membership, params)
    return project if rights.manage_rota else None


def _trainer(membership: Membership, params):
    project, rights = _project_param(membership, params)
    return project if rights.train_others else None


def _past_turns(membership: Membership, params):
    project, rights = _project_param(membership, params)
    return project if rights.record_past else None


def _members(hub, _context=None):
    return hub_access.active_members(hub)


def _accepted(project: Project, people: list) -> list:
    return accepted_by(project, people, on=timezone.localdate())


def _open_referrals(hub, _context=None):
    return Referral.objects.filter(hub=hub, status__in=OPEN_REFERRAL_STATUSES)


def _need(referral: Referral) -> str:
    if referral.category_id:
        return str(referral.category)
    words = " ".join(referral.description.split())
    return words if len(words) <= 40 else words[:40].rsplit(" ", 1)[0] + "…"


def _referral_label(referral: Referral) -> str:
    day = timezone.localtime(referral.created_at)
    status = referral.get_status_display().lower()
    return f"{referral.person}: {_need(referral)} ({status}, referred {day.day} {day:%b %Y})"


# A referral is found by the referred person's name and what they need; its label (seen
# by coordinators only) tells two referrals of one person apart.
REFERRALS = pickers.Things(
    word=lambda word: (
        hub_selectors.name_has("person__display_name", word)
        | hub_selectors.name_has("category__name", word)
        | hub_selectors.name_has("description", word)
    ),
    label=_referral_label,
    order=("person__display_name", "-created_at", "-pk"),
    related=("person", "category"),
    nothing="No open referral",
    nothing_else="No other open referral",
    narrow="type more of the name or the need to find others",
)

pickers.register(pickers.Purpose("referral-person", _staff, _members))
pickers.register(pickers.Purpose("project-lead", _coordinator, _members))
pickers.register(pickers.Purpose("slot-receiver", _rota_manager, _members))
pickers.register(pickers.Purpose("project-trained", _trainer, _members))


def _why_not(project: Project, person) -> str | None:
    return project_refuses(project, person, on=timezone.localdate())


pickers.register(
    pickers.Purpose("project-rota", _rota_manager, _members, refine=_accepted, why_not=_why_not)
)
pickers.register(
    pickers.Purpose("past-turn", _past_turns, _members, refine=_accepted, why_not=_why_not)
)
pickers.register(pickers.Purpose("escalation-to", _coordinator, hub_access.active_staff))
pickers.register(pickers.Purpose("failsafe", _coordinator, hub_access.active_staff))
pickers.register(pickers.Purpose("rota-referral", _coordinator, _open_referrals, things=REFERRALS))
