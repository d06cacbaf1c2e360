"""Who may do what with pledges and reports: the one place the rules live, read by
services, views, templates, the API and the Open311 server alike."""

from dataclasses import dataclass

from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Membership, Person

from .models import Pledge, Report


def membership(person: Person | None, hub: Hub) -> Membership | None:
    return hub_access.membership_of(person, hub)


@dataclass(frozen=True)
class PledgeRights:
    see: bool = False  # a draft: staff and coordinators; a published one: anyone
    edit: bool = False  # the draft (coordinators, and staff)
    sign_for_service: bool = False  # staff or above
    sign_for_users: bool = False  # a member who is not staff (a service-user rep)
    publish: bool = False  # coordinators, once both sides have signed
    # Published and retired pledges' scorecards are public (a record of what was kept);
    # a draft's is for staff.
    see_scorecard: bool = False
    record_users_side: bool = False  # staff count the users' side of a published pledge


def pledge_rights(viewer: Membership | None, pledge: Pledge) -> PledgeRights:
    staff = bool(viewer and viewer.hub_id == pledge.hub_id and viewer.is_staff_or_above)
    member = bool(viewer and viewer.hub_id == pledge.hub_id)
    coordinating = bool(staff and viewer.can_coordinate)
    return PledgeRights(
        see=pledge.is_published or staff,
        edit=staff and pledge.status != "retired",
        sign_for_service=staff,
        sign_for_users=member and not staff,
        publish=coordinating,
        see_scorecard=pledge.status != "draft" or staff,
        record_users_side=staff and pledge.is_published,
    )


@dataclass(frozen=True)
class ReportRights:
    see: bool = False  # reports of a published pledge are public (without personal data)
    see_private: bool = False  # reporter, contact, photo metadata: staff and the reporter
    update: bool = False  # change the status (staff of the hub)
    me_too: bool = False  # members other than the reporter, while it is open
    answer: bool = False  # "was it fixed?": the reporter, once closed
    moderate: bool = False  # coordinators


def report_rights(viewer: Membership | None, report: Report) -> ReportRights:
    in_hub = bool(viewer and viewer.hub_id == report.hub_id)
    staff = in_hub and viewer.is_staff_or_above
    is_reporter = in_hub and report.reporter_id == viewer.person_id
    return ReportRights(
        see=True,
        see_private=staff or is_reporter,
        update=staff,
        me_too=in_hub and not is_reporter and report.is_open,
        answer=is_reporter and not report.is_open,
        moderate=staff and viewer.can_coordinate,
    )


def may_report(viewer: Membership | None, pledge: Pledge, *, public: bool = False) -> bool:
    """Members of the hub report under its published pledges; anyone else only where the
    pledge takes reports from the public (the Open311 server checks its API key instead)."""
    if not pledge.is_published:
        return False
    if viewer is not None and viewer.hub_id == pledge.hub_id:
        return True
    return public and pledge.public_reports
