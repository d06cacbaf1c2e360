"""The queries behind each section of "Download my data" (export_sections.py): every record
about one person, read in chunks by the caller."""

import datetime
from dataclasses import dataclass

CHUNK = 2000


def profile(person):
    from coproduce.hubs.models import Person

    return Person.objects.filter(pk=person.pk)


def consents(person):
    from coproduce.hubs.models import ConsentRecord

    return ConsentRecord.objects.filter(person=person).select_related("hub").order_by("id")


def memberships(person):
    from coproduce.hubs.models import Membership

    return (
        Membership.objects.filter(person=person)
        .select_related("hub", "organisation", "neighbourhood")
        .order_by("id")
    )


def checks(person):
    from coproduce.hubs.models import SafeguardingCheck

    return SafeguardingCheck.objects.filter(person=person).select_related("hub").order_by("id")


def join_requests(person):
    from coproduce.hubs.models import JoinRequest

    return JoinRequest.objects.filter(person=person).select_related("hub").order_by("id")


def api_tokens(person):
    from coproduce.hubs.models import ApiToken

    return ApiToken.objects.filter(person=person).select_related("hub").order_by("id")


def listings(person):
    """Listings on the person's own accounts (one a coordinator made for someone else is
    that person's, and in this one's activity)."""
    from coproduce.timebank.models import Listing

    return (
        Listing.objects.filter(account__membership__person=person)
        .select_related("hub", "category")
        .order_by("id")
    )


def exchanges(person):
    from coproduce.timebank.models import ExchangeParty

    return (
        ExchangeParty.objects.filter(account__membership__person=person)
        .select_related("exchange", "exchange__hub")
        .order_by("exchange_id", "id")
    )


def statement(person):
    """Every entry on the person's accounts, oldest first, with the balance after it."""
    from coproduce.timebank.models import Entry, TransferKind

    kinds = dict(TransferKind.choices)
    rows = (
        Entry.objects.filter(account__membership__person=person)
        .order_by("account_id", "transfer__created_at", "transfer_id", "id")
        .values_list(
            "account_id",
            "account__hub__name",
            "transfer__created_at",
            "transfer__kind",
            "amount_minutes",
            "direction",
            "transfer__memo",
        )
    )
    balance, account = 0, None
    for account_id, hub_name, at, kind, amount, direction, memo in rows.iterator(chunk_size=CHUNK):
        if account_id != account:
            balance, account = 0, account_id
        minutes = amount * direction
        balance += minutes
        yield StatementLine(hub_name, at, kinds.get(kind, kind), minutes, balance, memo)


@dataclass
class StatementLine:
    hub_name: str
    at: datetime.datetime
    kind: str
    minutes: int
    balance: int
    memo: str


def messages(person):
    from coproduce.timebank.models import ExchangeMessage

    return (
        ExchangeMessage.objects.filter(author=person)
        .select_related("exchange", "exchange__hub")
        .order_by("id")
    )


def second_approvals(person):
    from coproduce.timebank.models import SecondApproval

    return SecondApproval.objects.filter(requested_by=person).select_related("hub").order_by("id")


def referrals(person):
    from coproduce.referrals.models import Referral

    return (
        Referral.objects.filter(person=person)
        .select_related("hub", "organisation", "category", "neighbourhood", "consent")
        .order_by("id")
    )


def offers(person):
    from coproduce.referrals.models import MatchOffer

    return (
        MatchOffer.objects.filter(volunteer=person)
        .select_related("referral__hub", "referral__category")
        .order_by("id")
    )


def turns(person):
    from coproduce.referrals.models import Assignment

    return (
        Assignment.objects.filter(person=person)
        .select_related("slot", "slot__project", "slot__project__hub")
        .order_by("id")
    )


def help_plans(person):
    from coproduce.referrals.models import HelpPlan

    return HelpPlan.objects.filter(volunteer=person).select_related("project").order_by("id")


def training(person):
    from coproduce.referrals.models import TrainingRecord

    return (
        TrainingRecord.objects.filter(person=person)
        .select_related("project", "project__hub")
        .order_by("id")
    )


def escalations(person):
    from coproduce.referrals.models import Escalation

    return Escalation.objects.filter(person=person).select_related("hub").order_by("id")


def conversations(person):
    from coproduce.deliberation.models import Participant

    return (
        Participant.objects.filter(person=person)
        .select_related("conversation", "conversation__hub")
        .order_by("id")
    )


def statements(person):
    from coproduce.deliberation.models import Statement

    return (
        Statement.objects.filter(author__person=person)
        .select_related("conversation", "conversation__hub")
        .order_by("id")
    )


def votes(person):
    from coproduce.deliberation.models import Vote

    return (
        Vote.objects.filter(participant__person=person)
        .select_related("statement", "statement__conversation")
        .order_by("id")
    )


def moderating(person):
    from coproduce.deliberation.models import Moderator

    return Moderator.objects.filter(person=person).select_related("hub").order_by("id")


def reports(person):
    from coproduce.pledges.models import Report

    return (
        Report.objects.filter(reporter=person)
        .select_related("hub", "category", "area")
        .order_by("id")
    )


def report_updates(person):
    from coproduce.pledges.models import ReportUpdate

    return ReportUpdate.objects.filter(author=person).select_related("report").order_by("id")


def report_follows(person):
    from coproduce.pledges.models import ReportSubscription

    return ReportSubscription.objects.filter(person=person).select_related("report").order_by("id")


def report_feedback(person):
    from coproduce.pledges.models import ReportFeedback

    return ReportFeedback.objects.filter(person=person).select_related("report").order_by("id")


def signatures(person):
    from coproduce.pledges.models import SignOff

    return (
        SignOff.objects.filter(person=person)
        .select_related("pledge", "pledge__hub", "version")
        .order_by("id")
    )


def signups(person):
    from coproduce.involve.models import SignUp

    return (
        SignUp.objects.filter(person=person)
        .select_related("opportunity", "opportunity__hub")
        .order_by("id")
    )


def attendance(person):
    from coproduce.involve.models import Attendance

    return (
        Attendance.objects.filter(person=person)
        .select_related("session", "session__opportunity")
        .order_by("id")
    )


def expenses(person):
    from coproduce.involve.models import Expense

    return (
        Expense.objects.filter(claimed_by=person)
        .select_related("attendance__session__opportunity")
        .order_by("id")
    )


def involve_training(person):
    from coproduce.involve.models import Training

    return Training.objects.filter(person=person).select_related("hub").order_by("id")


def involve_choices(person):
    from coproduce.involve.models import InvolvementChoice

    return InvolvementChoice.objects.filter(person=person).select_related("hub").order_by("id")


def packs(person):
    from coproduce.involve.models import Pack

    return Pack.objects.filter(person=person).select_related("hub").order_by("id")


def reminders(person):
    from coproduce.involve.models import Reminder

    return (
        Reminder.objects.filter(person=person).select_related("session__opportunity").order_by("id")
    )


def ideas(person):
    from coproduce.involve.space.models import Idea

    return Idea.objects.filter(proposer=person).select_related("round").order_by("id")


def ballots(person):
    from coproduce.involve.space.models import Ballot

    return (
        Ballot.objects.filter(voter=person)
        .select_related("round")
        .prefetch_related("ideas")
        .order_by("id")
    )


def equality(person):
    from coproduce.insight.models import EqualityAnswers

    return EqualityAnswers.objects.filter(person=person)


def health_answers(person):
    from coproduce.insight.models import HealthCheckResponse

    return (
        HealthCheckResponse.objects.filter(person=person)
        .select_related("health_check", "health_check__hub")
        .order_by("id")
    )


def preferences(person):
    from coproduce.notify.models import Preference

    return Preference.objects.filter(person=person).order_by("kind")


def notifications(person):
    from coproduce.notify.models import Notification

    return Notification.objects.filter(recipient=person).select_related("hub").order_by("id")


def digests(person):
    from coproduce.notify.models import Digest

    return Digest.objects.filter(person=person).order_by("id")


def exports(person):
    from coproduce.insight.models import PersonalExport

    return PersonalExport.objects.filter(person=person).order_by("id")


def hub_files(person):
    from coproduce.timebank.models import Export

    return Export.objects.filter(requested_by=person).select_related("hub").order_by("id")


def warnings(person):
    from coproduce.insight.models import InactivityWarning

    return InactivityWarning.objects.filter(person=person).order_by("id")


def audit(person):
    from . import export_audit

    return export_audit.events(person)
