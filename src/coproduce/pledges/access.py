"""Who may do what with pledges and reports: the one place the rules live, read by
services, views, templates, the API and the Open311 server alike."""

from dataclasses import dataclass

from coproduce.hubs import access as hub_access
from coproduce.hubs import pickers
from coproduce.hubs.models import Hub, Membership, Person
from coproduce.notify.access import reached_by_email

from .models import Pledge, Report


def membership(person: Person | None, hub: Hub) -> Membership | None:
    return hub_access.membership_of(person, hub)


@dataclass(frozen=True)
class PledgeRights:
    see: bool = False  # the published version: anyone (with at least one version)
    see_draft: bool = False  # the draft: members of the hub, who sign it for the users
    see_names: bool = False  # who signed it, by name: members of the hub
    edit: bool = False  # the draft (coordinators, and staff)
    sign_for_service: bool = False  # staff or above
    sign_for_users: bool = False  # a member who is not staff (a service-user rep)
    publish: bool = False  # coordinators, once both sides have signed
    retire: bool = False  # coordinators
    offer_as_template: bool = False  # coordinators, of a published pledge
    # Published and retired pledges' scorecards are public (a record of what was kept);
    # a draft's is for staff.
    see_scorecard: bool = False
    record_users_side: bool = False  # staff count the users' side of a published pledge

    @property
    def sign(self) -> bool:
        return self.sign_for_service or self.sign_for_users


def pledge_rights(viewer: Membership | None, pledge: Pledge) -> PledgeRights:
    staff = bool(viewer and viewer.hub_id == pledge.hub_id and viewer.is_staff_or_above)
    member = bool(viewer and viewer.hub_id == pledge.hub_id)
    coordinating = bool(staff and viewer.can_coordinate)
    live = pledge.status != "retired"
    return PledgeRights(
        see=pledge.is_published or pledge.status == "retired" or member,
        see_draft=member and live,
        see_names=member,
        edit=staff and live,
        sign_for_service=staff and live,
        sign_for_users=member and not staff and live,
        publish=coordinating and live,
        retire=coordinating and pledge.is_published,
        offer_as_template=coordinating and pledge.is_published,
        see_scorecard=pledge.status != "draft" or staff,
        record_users_side=staff and pledge.is_published,
    )


def may_draft(viewer: Membership | None, hub: Hub) -> bool:
    """Staff and coordinators draft pledges (and adopt templates, if they coordinate)."""
    return bool(viewer and viewer.hub_id == hub.pk and viewer.is_staff_or_above)


def may_adopt(viewer: Membership | None, hub: Hub, template: Pledge) -> bool:
    """A coordinator of a hub adopts a published template, into that hub."""
    return bool(
        viewer
        and viewer.hub_id == hub.pk
        and viewer.can_coordinate
        and template.is_template
        and template.is_published
    )


def may_run_calendar(viewer: Membership | None, hub: Hub) -> bool:
    """The working calendar and the service's places: coordinators."""
    return bool(viewer and viewer.hub_id == hub.pk and viewer.can_coordinate)


@dataclass(frozen=True)
class ReportRights:
    see: bool = False  # reports of a published pledge are public (without personal data)
    see_private: bool = False  # reporter, contact, photo metadata: staff and the reporter
    update: bool = False  # change the status (staff of the hub)
    me_too: bool = False  # members other than the reporter, while it is open
    answer: bool = False  # "was it fixed?": the reporter, once closed
    # Staff record the answer for a reporter who cannot give it online (see `offline`),
    # once closed: they rang in, or staff rang them.
    answer_for: bool = False
    moderate: bool = False  # coordinators


def sees_report_private(viewer: Membership | None, report: Report) -> bool:
    """The reporter's name, contact details, address and map point: the hub's staff and
    the reporter (ReportRights.see_private, without reading the reporter, for lists)."""
    in_hub = bool(viewer and viewer.hub_id == report.hub_id)
    return in_hub and (viewer.is_staff_or_above or report.reporter_id == viewer.person_id)


def report_rights(viewer: Membership | None, report: Report) -> ReportRights:
    in_hub = bool(viewer and viewer.hub_id == report.hub_id)
    staff = in_hub and viewer.is_staff_or_above
    is_reporter = in_hub and report.reporter_id == viewer.person_id
    closed = not report.is_open
    return ReportRights(
        see=True,
        see_private=sees_report_private(viewer, report),
        update=staff,
        me_too=in_hub and not is_reporter and report.is_open,
        answer=is_reporter and closed,
        answer_for=staff and closed and not is_reporter and reporter_offline(report),
        moderate=staff and viewer.can_coordinate,
    )


def reporter_offline(report: Report) -> bool:
    """Whether the person who reported it cannot say online whether it was fixed: they
    have no account (a name and perhaps an email or phone were left instead: an emailed
    link answers for them, or staff ring), or their account has no email (not online)."""
    return report.reporter_id is None or not reached_by_email(report.reporter)


def answers_by_link(report: Report, closing: int) -> bool:
    """Whoever holds the emailed link for this closing answers "was it fixed?" for a
    report made without an account. The link names the closing it was sent for, so once
    the report is reopened (or closed again, with a new link sent) the old one is spent."""
    return (
        report.reporter_id is None
        and bool(report.contact_email)
        and not report.is_open
        and report.closing == closing
    )


def may_report(viewer: Membership | None, pledge: Pledge, *, public: bool = False) -> bool:
    """Members of the hub report under its published pledges; anyone else only where the
    pledge takes reports from the public (the Open311 server checks its API key instead)."""
    if not pledge.is_published:
        return False
    if viewer is not None and viewer.hub_id == pledge.hub_id:
        return True
    return public and pledge.public_reports


def offers_reporting(viewer: Membership | None, pledge: Pledge) -> bool:
    """Whether a pledge's pages show "Report a problem": to whoever may report, and to
    someone not signed in under any published pledge (the form asks them to sign in, or
    join, unless the pledge takes reports from the public)."""
    return may_report(viewer, pledge, public=True) or (viewer is None and pledge.is_published)


def sees_queue(viewer: Membership | None, hub: Hub) -> bool:
    """The staff queue of reports (with reporters' names): staff of the hub."""
    return bool(viewer and viewer.hub_id == hub.pk and viewer.is_staff_or_above)


def reports_for_someone(viewer: Membership | None, hub: Hub) -> bool:
    """Staff take reports for someone else (on the phone): assisted, and audited."""
    return sees_queue(viewer, hub)


# --- who may be chosen in this app's people pickers (see hubs/pickers.py) -------------------


def _hub_staff_member(membership: Membership, _params):
    """Staff change a pledge's targets, and name the staff told of each one's reports."""
    return membership.hub if membership.is_staff_or_above else None


def _takes_reports_for_someone(membership: Membership, _params):
    """Staff taking a report on the phone search the hub's members for the one who rang."""
    return membership.hub if reports_for_someone(membership, membership.hub) else None


pickers.register(
    pickers.Purpose("report-for", _takes_reports_for_someone, hub_access.active_members)
)
pickers.register(
    pickers.Purpose("category-staff", _hub_staff_member, hub_access.active_staff, multiple=True)
)
