"""The permission matrix: every named URL of the pages and of the API at /api/v1/, for every
persona, with what each must get.

Personas: anonymous; Sam (member), Dr Amir (staff), Grace (coordinator) and Helen (admin)
of Millbrook; Jean, a member of Northfield (outsider); and Tunde, Northfield's coordinator
(other_coordinator). The objects are in Millbrook (see tests/matrix_objects.py). People of
another hub get 403 or 404, never Millbrook's data.

- Pages: the status of a GET, for each persona. A page that refuses someone a GET refuses
  their POST the same way and writes nothing. For an action that takes only a POST, an
  unauthorised persona's POST is refused and writes nothing; an authorised one's goes
  through (it writes something): what it does is tested elsewhere.
- API: the same, with each persona's key (anonymous has none: 401).
- Open311 (/open311/v2/): reading is public; a POST carries the persona's key as `api_key`
  (anonymous sends none), and a missing key or one for another hub is 403, as the spec says.
- Whatever a persona who is not in Millbrook gets (anonymous, outsider, other_coordinator)
  must not contain any of Millbrook's private strings (matrix_objects.SECRETS).
- The table must name every URL the resolver knows (or say why not, in EXCLUDED); a new
  URL without an entry fails test_every_url_has_an_entry, naming it.

Outcomes: a status code; SIGN_IN for a redirect to the sign-in page; MOVED for any other
redirect (for a POST: done, then back to a page).
"""

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, reset_queries
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.matrix_objects import (
    OTHER_HUB,
    PERSONAS,
    SECRETS,
    Things,
    built_once,
    keys_used_just_now,
)
from tests.space.conftest import tuesday_to_come

SIGN_IN = "sign-in"
MOVED = "moved"
REFUSED = {SIGN_IN, 400, 401, 403, 404, 405}
NOT_IN_MILLBROOK = ("anonymous", *OTHER_HUB)


def outcomes(default, **each) -> dict:
    unknown = set(each) - set(PERSONAS)
    assert not unknown, f"no such persona: {unknown}"
    return {persona: each.get(persona, default) for persona in PERSONAS}


# --- pages ---------------------------------------------------------------------------------
PUBLIC = outcomes(200)
ANONYMOUS_ONLY = outcomes(MOVED, anonymous=200)  # signed in: sent on to their home page
SIGNED_IN = outcomes(200, anonymous=SIGN_IN)
MEMBERS = outcomes(200, anonymous=SIGN_IN, outsider=403, other_coordinator=403)
STAFF = {**MEMBERS, "member": 403}
COORDINATORS = {**STAFF, "staff": 403}
POST_ONLY = outcomes(405, anonymous=SIGN_IN)  # the GET of an action that takes a POST
# A POST that goes through for Millbrook's coordinators only.
COORDINATORS_DO = outcomes(
    403, anonymous=SIGN_IN, coordinator=MOVED, admin=MOVED, outsider=403, other_coordinator=403
)
# Participants of a conversation: members of its hub (anonymous must sign in).
PARTICIPANTS = MEMBERS
# A conversation's report: for people taking part; nobody else, signed in or not.
READERS = {**MEMBERS, "anonymous": 403}

# --- API -----------------------------------------------------------------------------------
API_ANYONE = outcomes(200)  # no key needed
API_KEYS = outcomes(200, anonymous=401)  # every key, each in its own hub
API_MILLBROOK = outcomes(200, anonymous=401, outsider=404, other_coordinator=404)
API_STAFF = outcomes(200, anonymous=401, member=403, outsider=403)  # Tunde: his own hub's


@dataclass(frozen=True)
class Case:
    """One URL, how to build it from the objects, and what each persona gets."""

    name: str
    expect: Mapping[str, object]
    kwargs: Callable[[Things], dict] = lambda t: {}
    method: str = "get"
    data: Callable[[Things], dict] | None = None
    query: Callable[[Things], str] | None = None
    variant: str = ""
    id: str = field(init=False)

    def __post_init__(self):
        label = f"{self.method.upper()} {self.name}" + (
            f" ({self.variant})" if self.variant else ""
        )
        object.__setattr__(self, "id", label)

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api-v1:")

    @property
    def is_open311(self) -> bool:
        return self.name.startswith("open311:")

    def url(self, t: Things) -> str:
        return reverse(self.name, kwargs=self.kwargs(t)) + (self.query(t) if self.query else "")


def hub(t):
    return {"slug": t.slug}


def person(attribute):
    return lambda t: {"slug": t.slug, "person_id": getattr(t.world, attribute).pk}


def exchange(status, action=None, slug=None):
    def kwargs(t):
        built = {"slug": slug or t.slug, "exchange_id": t.exchanges[status].pk}
        return {**built, "action": action} if action else built

    return kwargs


def approval(t):
    return {"slug": t.slug, "approval_id": t.approval.pk}


def conversation(t):
    return {"slug": t.slug, "conversation_id": t.conversation.pk}


def statement(t):
    return {**conversation(t), "statement_id": t.statement.pk}


def pledge(t):
    return {"slug": t.slug, "pledge_slug": t.pledge.slug}


def adopt(t):
    return {"slug": t.slug, "template_id": t.template.pk}


def holiday(t):
    return {"slug": t.slug, "holiday_id": t.holiday.pk}


def referral(attribute="referral"):
    return lambda t: {"slug": t.slug, "referral_id": getattr(t, attribute).pk}


def project(attribute="project"):
    return lambda t: {"slug": t.slug, "project_id": getattr(t, attribute).pk}


def assignment(attribute, action):
    return lambda t: {"slug": t.slug, "assignment_id": getattr(t, attribute).pk, "action": action}


def api_exchange(status):
    return lambda t: {"exchange_id": t.exchanges[status].pk}


def time_sheet(t):
    sheet = (
        b"date,giver,receiver,description,hours\r\n2026-03-14,sam@example.org,Ron Assisted,x,1\r\n"
    )
    return {"file": SimpleUploadedFile("sheet.csv", sheet, content_type="text/csv")}


def exchange_post(status, action, data=None, **each):
    """A button on an exchange between Sam (gives) and Dr Amir (receives): it goes through
    for everyone in Millbrook except those named in `each`."""
    anyone = outcomes(MOVED, anonymous=SIGN_IN, outsider=403, other_coordinator=403)
    return Case(
        "exchange-action",
        anyone | each,
        exchange(status, action),
        method="post",
        data=data,
        variant=f"{action} when {status}",
    )


def assignment_post(attribute, action, data=None, **each):
    """A button on Sam's place on the rota: for Sam, the project's lead (Grace) and the
    coordinators, except those named in `each`."""
    rota = outcomes(MOVED, anonymous=SIGN_IN, staff=403, outsider=403, other_coordinator=403)
    return Case(
        "assignment-action",
        rota | each,
        assignment(attribute, action),
        method="post",
        data=data,
        variant=f"{action}, {attribute.replace('_', ' ')}",
    )


def api_post(name, expect, kwargs=lambda t: {}, data=None, variant=""):
    return Case(name, expect, kwargs, method="post", data=data, variant=variant)


def api_action(ok, **each):
    """An API action on an object of Millbrook: the other hub's keys never find it."""
    return outcomes(ok, anonymous=401, outsider=404, other_coordinator=404) | each


def referral_body(t):
    return {
        "new_person_name": "Albert Shaw",
        "consent": {
            "given": True,
            "given_by": "The person themselves",
            "method": "phone",
            "given_on": timezone.localdate().isoformat(),
            "purpose": "To be referred to the time bank",
        },
        "description": "Lonely since his wife died.",
        "urgency": "soon",
    }


CASES = [
    # --- accounts and the home page ---------------------------------------------------------
    Case("home", PUBLIC),
    Case("login", ANONYMOUS_ONLY),
    Case("logout", outcomes(405)),  # signing out takes a POST
    Case("sign-up", ANONYMOUS_ONLY),
    Case("password_reset", PUBLIC),
    Case("password_reset_done", PUBLIC),
    Case("password_reset_complete", PUBLIC),
    Case("my-profile", SIGNED_IN),
    Case("my-profile-edit", SIGNED_IN),
    Case("whats-new", SIGNED_IN),
    Case("whats-new", SIGNED_IN, query=lambda t: "?show=unread&page=2", variant="new only"),
    Case("whats-new-read", POST_ONLY),
    Case("notification-choices", SIGNED_IN),
    Case("invitation", PUBLIC, lambda t: {"token": t.invitation_token}),
    # --- hubs and people --------------------------------------------------------------------
    Case("hub-home", PUBLIC, hub),
    Case("hub-join", SIGNED_IN, hub),
    Case("hub-area", MEMBERS, hub),
    Case("hub-leave", MEMBERS, hub),
    Case("directory", MEMBERS, hub),
    Case("member-detail", MEMBERS, person("member")),
    Case(
        "member-detail",
        outcomes(404, anonymous=SIGN_IN, outsider=403, other_coordinator=403),
        person("outsider"),
        variant="someone of another hub, through this hub",
    ),
    Case("member-edit", COORDINATORS, person("assisted"), data=lambda t: {"display_name": "X"}),
    Case("member-role", COORDINATORS, person("member"), data=lambda t: {"role": "member"}),
    Case("member-remove", COORDINATORS, person("member"), data=lambda t: {"note": "x"}),
    Case("member-consent", COORDINATORS, person("assisted")),
    Case("member-notification-choices", COORDINATORS, person("assisted")),
    Case(
        "member-notification-choices",
        outcomes(403, anonymous=SIGN_IN),
        person("member"),
        variant="someone who chooses for themselves",
    ),
    Case(
        "member-password-invite",
        POST_ONLY,
        lambda t: {"slug": t.slug, "person_id": t.no_password.pk},
    ),
    Case(
        "member-password-invite",
        COORDINATORS_DO,
        lambda t: {"slug": t.slug, "person_id": t.no_password.pk},
        method="post",
    ),
    Case("member-check-add", COORDINATORS, person("member")),
    Case(
        "member-check-remove",
        COORDINATORS,
        lambda t: {"slug": t.slug, "person_id": t.world.member.pk, "check_id": t.check.pk},
        data=lambda t: {"reason": "Entered by mistake"},
    ),
    Case("coordinate", COORDINATORS, hub),
    Case("invite", COORDINATORS, hub),
    Case("assisted-create", COORDINATORS, hub),
    Case("organisation-add", COORDINATORS, hub),
    Case("neighbourhood-add", COORDINATORS, hub),
    Case("audit-log", COORDINATORS, hub),
    # The people pickers' search: for those who may use the form each purpose serves.
    Case("people-search", MEMBERS, hub, query=lambda t: "?for=exchange-other&q=a"),
    Case("people-search", STAFF, hub, query=lambda t: "?for=referral-person&q=a", variant="staff"),
    Case("people-search", COORDINATORS, hub, query=lambda t: "?for=audit&q=a", variant="audit"),
    Case(
        "people-search",
        COORDINATORS,  # Grace leads it; Helen coordinates
        hub,
        query=lambda t: f"?for=project-rota&project={t.project.pk}&q=a",
        variant="a project's rota",
    ),
    Case(
        "people-search",  # the open referral a rota's turns are for: coordinators only
        COORDINATORS,
        hub,
        query=lambda t: f"?for=rota-referral&project={t.project.pk}&q=a",
        variant="a rota's referral",
    ),
    Case(
        "people-search",
        outcomes(404, anonymous=SIGN_IN, outsider=403, other_coordinator=403),
        hub,
        query=lambda t: "?for=no-such-form&q=a",
        variant="no such purpose",
    ),
    Case(
        "audit-log",
        outcomes(
            MOVED, anonymous=SIGN_IN, member=403, staff=403, outsider=403, other_coordinator=403
        ),
        hub,
        query=lambda t: "?date_from=2020-01-01&date_to=2100-01-01&format=csv",
        variant="dates, as CSV: to the exports",
    ),
    Case(
        "join-request-decide",
        POST_ONLY,
        lambda t: {"slug": t.slug, "request_id": t.join_request.pk, "decision": "approve"},
    ),
    Case(
        "join-request-decide",
        COORDINATORS_DO,
        lambda t: {"slug": t.slug, "request_id": t.join_request.pk, "decision": "approve"},
        method="post",
        data=lambda t: {"note": ""},
    ),
    # --- time bank --------------------------------------------------------------------------
    Case("timebank", MEMBERS, hub),
    Case("listing-new", MEMBERS, hub),
    Case("listing-detail", MEMBERS, lambda t: {"slug": t.slug, "listing_id": t.listing.pk}),
    Case("exchange-record", MEMBERS, hub),
    Case("group-record", STAFF, hub),  # coordinators, and staff of an organisation
    Case("exchange-detail", MEMBERS, exchange("done")),
    Case("exchange-detail", {**MEMBERS, "member": 404}, exchange("others"), variant="not Sam's"),
    Case(
        "exchange-detail",
        outcomes(403, anonymous=SIGN_IN, outsider=404, other_coordinator=404),
        exchange("done", slug="northfield"),
        variant="through another hub's address",
    ),
    Case("exchange-action", POST_ONLY, exchange("done", "confirm")),
    exchange_post("proposed", "agree", staff=403),  # Dr Amir proposed it
    exchange_post("agreed", "log", lambda t: {"hours": "1", "minutes": "0"}),
    exchange_post("done", "confirm", member=403),  # Sam logged it
    exchange_post("disputed", "confirm", member=403, staff=403),  # a coordinator settles it
    # The other side of logged hours disputes them (Sam logged these); not a coordinator.
    exchange_post(
        "done",
        "dispute",
        lambda t: {"reason": "Not so long"},
        member=403,
        coordinator=403,
        admin=403,
    ),
    exchange_post("proposed", "message", lambda t: {"text": "Saturday at ten?"}),
    exchange_post("proposed", "cancel"),
    # Once hours are logged, or disputed, a coordinator settles the exchange (issue 12).
    exchange_post("done", "cancel", member=403, staff=403),
    exchange_post("disputed", "cancel", member=403, staff=403),
    exchange_post("others", "confirm", member=404),
    Case("exchange-reverse", POST_ONLY, exchange("confirmed")),
    Case(
        "exchange-reverse",
        COORDINATORS_DO,
        exchange("confirmed"),
        method="post",
        data=lambda t: {"reverse-reason": "Entered twice"},
    ),
    Case("chest", MEMBERS, hub),
    # Four eyes: Grace asked; coordinators and admins see it, anyone but Grace decides.
    Case("approval-detail", {**COORDINATORS, "member": 404, "staff": 404}, approval),
    Case(
        "approval-detail",
        {**COORDINATORS_DO, "coordinator": 403, "member": 404, "staff": 404},
        approval,
        method="post",
        data=lambda t: {"decision": "approve"},
    ),
    Case("timebank-settings", COORDINATORS, hub),
    Case("sheet-import", COORDINATORS, hub, data=time_sheet),
    Case(
        "sheet-import",
        COORDINATORS,
        hub,
        query=lambda t: "?format=example",
        variant="the example sheet",
    ),
    Case("statement", MEMBERS, hub),
    Case("statement", MEMBERS, hub, query=lambda t: "?format=csv", variant="as CSV"),
    Case("hub-ledger", COORDINATORS, hub),
    Case("hub-ledger", COORDINATORS, hub, query=lambda t: "?month=2026-01", variant="a month"),
    Case("balances", COORDINATORS, hub),
    Case("balances", COORDINATORS, hub, query=lambda t: "?order=-activity", variant="sorted"),
    Case(
        "balances",
        outcomes(
            MOVED, anonymous=SIGN_IN, member=403, staff=403, outsider=403, other_coordinator=403
        ),
        hub,
        query=lambda t: "?format=csv",
        variant="as CSV: to the exports",
    ),
    Case(
        "hub-ledger",
        outcomes(
            MOVED, anonymous=SIGN_IN, member=403, staff=403, outsider=403, other_coordinator=403
        ),
        hub,
        query=lambda t: "?format=csv",
        variant="as CSV: to the exports",
    ),
    Case("exports", COORDINATORS, hub),
    Case(
        "exports",
        COORDINATORS_DO,
        hub,
        method="post",
        data=lambda t: {"kind": "ledger"},
        variant="ask for the ledger",
    ),
    Case(
        "exports",
        COORDINATORS_DO,
        hub,
        method="post",
        data=lambda t: {"kind": "balances", "order": "-balance"},
        variant="ask for every balance",
    ),
    Case(
        "exports",
        COORDINATORS_DO,
        hub,
        method="post",
        data=lambda t: {"kind": "audit", "audit-date_from": "2020-01-01"},
        variant="ask for the audit log, filtered",
    ),
    # Only the person who asked downloads the file (Grace's, here deleted since: 410).
    Case(
        "export-download",
        outcomes(404, anonymous=SIGN_IN, coordinator=410),
        lambda t: {"slug": t.slug, "token": t.export_token},
    ),
    # Anyone's statement: coordinators choose whose; a member asking for another's gets 404.
    Case(
        "statement",
        {**MEMBERS, "member": 404, "staff": 404},
        hub,
        query=lambda t: f"?account={t.assisted_account.pk}",
        variant="Ron's, chosen",
    ),
    Case(
        "statement",
        {**MEMBERS, "member": 404, "staff": 404},
        hub,
        query=lambda t: f"?account={t.assisted_account.pk}&print=1",
        variant="Ron's, to print",
    ),
    Case(
        "statement",
        {**MEMBERS, "member": 404, "staff": 404},
        hub,
        query=lambda t: f"?account={t.assisted_account.pk}&format=csv",
        variant="Ron's, as CSV",
    ),
    # --- conversations ----------------------------------------------------------------------
    Case("conversations", MEMBERS, hub),
    Case("conversation-new", COORDINATORS, hub),
    Case("moderation", COORDINATORS, hub),  # and moderators: none of the personas is one
    Case("moderators", COORDINATORS, hub),
    Case("conversation", PARTICIPANTS, conversation),
    Case("conversation-vote", outcomes(405), conversation),
    Case(
        "conversation-vote",
        outcomes(MOVED, anonymous=403, outsider=403, other_coordinator=403),
        conversation,
        method="post",
        data=lambda t: {"statement": t.statement.pk, "value": "1"},
    ),
    Case("conversation-statements", PARTICIPANTS, conversation),
    Case("statement-flag", PARTICIPANTS, statement),
    Case("statement-priority", POST_ONLY, statement),
    Case(
        "statement-priority",
        COORDINATORS_DO,
        statement,
        method="post",
        data=lambda t: {"action": "mark", "note": ""},
    ),
    Case("conversation-record", COORDINATORS, conversation),
    Case("conversation-report", READERS, conversation),
    Case("conversation-print", READERS, conversation),
    Case("conversation-csv", READERS, conversation),
    Case("conversation-json", READERS, conversation),
    Case("conversation-link", outcomes(MOVED), lambda t: {"token": t.conversation.link_token}),
    # --- referrals, offers, projects, the rota, escalations ---------------------------------
    Case("referrals", STAFF, hub),
    Case("referral-new", STAFF, hub),
    Case("referral-settings", COORDINATORS, hub),
    # A referral nobody has part in is not said to exist.
    Case(
        "referral",
        {**STAFF, "member": 404, "outsider": 404, "other_coordinator": 404},
        referral(),
    ),
    Case(
        "referral",
        {**MEMBERS, "outsider": 404, "other_coordinator": 404},
        referral("offered"),
        variant="Sam asked to help",
    ),
    Case(
        "referral-triage",
        {**COORDINATORS, "member": 404, "outsider": 404, "other_coordinator": 404},
        referral(),
    ),
    Case("referral-offer", POST_ONLY, referral()),
    Case(
        "referral-offer",
        {**COORDINATORS_DO, "member": 404, "outsider": 404, "other_coordinator": 404},
        referral(),
        method="post",
        data=lambda t: {"volunteer": t.world.assisted.pk},  # Sam has enough to do
    ),
    Case("referral-start", POST_ONLY, referral("matched")),
    Case(
        "referral-start",
        {**COORDINATORS_DO, "member": MOVED, "outsider": 404, "other_coordinator": 404},
        referral("matched"),
        method="post",
    ),
    Case(
        "referral-close",
        {**COORDINATORS, "member": 404, "outsider": 404, "other_coordinator": 404},
        referral(),
    ),
    # Regular help for a referral a volunteer said yes to: coordinators only.
    Case(
        "referral-plan",
        {**COORDINATORS, "outsider": 404, "other_coordinator": 404},
        referral("matched"),
    ),
    Case("my-offers", MEMBERS, hub),
    Case(
        "offer-answer",
        outcomes(404, anonymous=SIGN_IN, member=MOVED),  # Sam is shown the referral
        lambda t: {"slug": t.slug, "offer_id": t.offer.pk},
    ),
    Case(
        "offer-answer",
        outcomes(404, anonymous=SIGN_IN, member=MOVED),
        lambda t: {"slug": t.slug, "offer_id": t.offer.pk},
        method="post",
        data=lambda t: {"answer": "accept"},
    ),
    Case("offer-withdraw", POST_ONLY, lambda t: {"slug": t.slug, "offer_id": t.offer.pk}),
    Case(
        "offer-withdraw",
        COORDINATORS_DO,
        lambda t: {"slug": t.slug, "offer_id": t.offer.pk},
        method="post",
    ),
    Case("projects", MEMBERS, hub),
    Case("project-new", COORDINATORS, hub),
    Case("project", MEMBERS, project()),
    Case("slots-new", COORDINATORS, project()),  # the project's lead, or a coordinator
    # The form shows to members; only the lead, a coordinator or someone trained may use it.
    # The form is for those who may train others: the lead, coordinators, the trained.
    Case("training-new", COORDINATORS, project("training_project")),
    Case(
        "training-new",
        COORDINATORS_DO,
        project("training_project"),
        method="post",
        data=lambda t: {
            "person": t.world.member.pk,
            "trained_on": timezone.localdate().isoformat(),
        },
    ),
    Case("project-end", COORDINATORS, project()),
    Case("turn-record", COORDINATORS, project()),  # a past turn: coordinators, not the lead
    Case("slot-take", POST_ONLY, lambda t: {"slug": t.slug, "slot_id": t.free_slot.pk}),
    Case(
        "slot-take",
        outcomes(MOVED, anonymous=SIGN_IN, outsider=403, other_coordinator=403),
        lambda t: {"slug": t.slug, "slot_id": t.free_slot.pk},
        method="post",
    ),
    Case("slots-take", POST_ONLY, project()),
    Case(
        "slots-take",
        outcomes(MOVED, anonymous=SIGN_IN, outsider=403, other_coordinator=403),
        lambda t: {"slug": t.slug, "project_id": t.free_slot.project_id},
        method="post",
        data=lambda t: {"slots": [t.free_slot.pk]},
    ),
    Case("assignment-action", POST_ONLY, assignment("on_rota", "give-up")),
    assignment_post("on_rota", "give-up", lambda t: {"reason": "Away"}),
    assignment_post("on_rota", "swap", lambda t: {"to_slot": t.free_slot.pk}),
    assignment_post("started", "log", lambda t: {"minutes": "45"}),
    assignment_post("attended", "confirm", member=403),  # someone else confirms Sam's time
    assignment_post("attended", "missed", member=403),
    Case("escalations", STAFF, hub),
    Case("escalation", STAFF, lambda t: {"slug": t.slug, "escalation_id": t.escalation.pk}),
    # --- pledges ----------------------------------------------------------------------------
    Case("pledges", PUBLIC, hub),
    Case("pledge-new", STAFF, hub),
    Case("pledge-templates", PUBLIC, hub),
    Case("pledge-adopt", COORDINATORS, adopt),
    Case("pledge-adopt", COORDINATORS_DO, adopt, method="post"),
    Case("pledge-calendar", COORDINATORS, hub),
    Case("pledge-holiday-add", POST_ONLY, hub),
    Case(
        "pledge-holiday-add",
        COORDINATORS_DO,
        hub,
        method="post",
        data=lambda t: {"day": "2030-01-02", "name": "A day off"},
    ),
    Case("pledge-holiday-remove", POST_ONLY, holiday),
    Case("pledge-holiday-remove", COORDINATORS_DO, holiday, method="post"),
    Case("pledge-places", COORDINATORS, hub),
    Case("pledge-place", COORDINATORS, lambda t: {"slug": t.slug, "place_id": t.place.pk}),
    Case("pledge", PUBLIC, pledge),
    Case("pledge-draft", MEMBERS, pledge),
    Case("pledge-edit", STAFF, pledge),
    Case("pledge-category-new", STAFF, pledge),
    Case("pledge-category", STAFF, lambda t: {**pledge(t), "code": "matrix-callback"}),
    Case("pledge-category-remove", POST_ONLY, lambda t: {**pledge(t), "code": "matrix-callback"}),
    Case(
        "pledge-category-remove",
        outcomes(MOVED, anonymous=SIGN_IN, member=403, outsider=403, other_coordinator=403),
        lambda t: {**pledge(t), "code": "matrix-callback"},
        method="post",
    ),
    Case("pledge-sign", POST_ONLY, pledge),
    Case(
        "pledge-sign",
        outcomes(MOVED, anonymous=SIGN_IN, outsider=403, other_coordinator=403),
        pledge,
        method="post",
    ),
    Case("pledge-publish", POST_ONLY, pledge),
    Case("pledge-publish", COORDINATORS_DO, pledge, method="post"),
    Case("pledge-retire", COORDINATORS, pledge),
    Case(
        "pledge-retire",
        COORDINATORS_DO,
        pledge,
        method="post",
        data=lambda t: {"reason": "Replaced by a new pledge."},
    ),
    Case("pledge-template", POST_ONLY, pledge),
    Case("pledge-template", COORDINATORS_DO, pledge, method="post"),
    # --- the API: /api/v1/ --------------------------------------------------------------------
    Case("api-v1:api-root", outcomes(404)),  # only there to name the API's root
    Case("api-v1:openapi-json", API_ANYONE),
    Case("api-v1:openapi-view", API_ANYONE),
    Case("api-v1:me", API_KEYS),
    Case("api-v1:listings", API_KEYS),
    api_post(
        "api-v1:listing_create",
        outcomes(201, anonymous=401),  # other hubs' keys list in their own hub
        data=lambda t: {"kind": "offer", "title": "Gardening"},
    ),
    Case("api-v1:listing_detail", API_MILLBROOK, lambda t: {"listing_id": t.listing.pk}),
    api_post(
        "api-v1:listing_close",
        api_action(200, staff=403),  # Sam's listing: Sam, or a coordinator
        lambda t: {"listing_id": t.listing.pk},
    ),
    api_post(
        "api-v1:exchange_propose",
        api_action(201, member=400),  # not with yourself
        lambda t: {"listing_id": t.listing.pk},
        data=lambda t: {"note": "Tuesday?"},
    ),
    Case("api-v1:exchanges", API_KEYS),
    api_post(
        "api-v1:exchange_record",
        api_action(201),
        data=lambda t: {
            "other_account_id": t.health_centre_account.pk,
            "direction": "gave",
            "title": "Flu clinic welcome",
            "minutes": 30,
        },
    ),
    Case("api-v1:exchange_detail", API_MILLBROOK, api_exchange("done")),
    Case(
        "api-v1:exchange_detail",
        {**API_MILLBROOK, "member": 404},
        api_exchange("others"),
        variant="not Sam's",
    ),
    api_post("api-v1:exchange_agree", api_action(200, staff=403), api_exchange("proposed")),
    api_post(
        "api-v1:exchange_log", api_action(200), api_exchange("agreed"), lambda t: {"minutes": 60}
    ),
    api_post("api-v1:exchange_confirm", api_action(200, member=403), api_exchange("done")),
    api_post(
        "api-v1:exchange_confirm",
        api_action(200, member=403, staff=403),
        api_exchange("disputed"),
        variant="disputed",
    ),
    api_post(
        "api-v1:exchange_dispute",
        api_action(200, member=403, coordinator=403, admin=403),
        api_exchange("done"),
        lambda t: {"reason": "Not so long"},
    ),
    api_post(
        "api-v1:exchange_cancel",
        api_action(200),
        api_exchange("proposed"),
        lambda t: {"reason": "Not needed now"},
        variant="proposed",
    ),
    api_post(
        "api-v1:exchange_cancel",
        api_action(200, member=403, staff=403),
        api_exchange("done"),
        lambda t: {"reason": "Not needed now"},
        variant="done",
    ),
    api_post(
        "api-v1:exchange_cancel",
        api_action(200, member=403, staff=403),
        api_exchange("disputed"),
        lambda t: {"reason": "Not needed now"},
        variant="disputed",
    ),
    Case("api-v1:balances", API_KEYS),
    Case("api-v1:transfers", API_KEYS),
    Case(
        "api-v1:transfers",
        {**API_MILLBROOK, "staff": 403},
        lambda t: {},
        query=lambda t: f"?account_id={t.member_account.pk}",
        variant="Sam's account",
    ),
    Case(
        "api-v1:transfer_detail",
        {**API_MILLBROOK, "member": 404},
        lambda t: {"transfer_id": t.donation.pk},
        variant="Dr Amir's gift to the chest",
    ),
    Case(
        "api-v1:transfer_detail",
        API_MILLBROOK,
        lambda t: {"transfer_id": t.exchanges["confirmed"].transfer_id},
        variant="Sam's confirmed exchange",
    ),
    api_post(
        "api-v1:transfer_reverse",
        api_action(201, member=403, staff=403),  # coordinators correct a mistake
        lambda t: {"transfer_id": t.exchanges["confirmed"].transfer_id},
        lambda t: {"reason": "Entered twice"},
    ),
    api_post("api-v1:chest_donate", outcomes(201, anonymous=401), data=lambda t: {"minutes": 30}),
    api_post(
        "api-v1:chest_grant",
        api_action(201, member=403, staff=403),
        data=lambda t: {
            "account_id": t.assisted_account.pk,
            "minutes": 60,
            "reason": "Not able to give yet",
        },
    ),
    Case("api-v1:policy", API_KEYS),
    Case("api-v1:totals", API_KEYS),
    Case("api-v1:referral_list", API_STAFF),
    api_post(
        "api-v1:referral_create",
        outcomes(201, anonymous=401, member=403, outsider=403),
        data=referral_body,
    ),
    Case(
        "api-v1:referral_detail",
        {**API_MILLBROOK, "member": 404},
        lambda t: {"referral_id": t.referral.pk},
    ),
    Case(
        "api-v1:referral_detail",
        API_MILLBROOK,
        lambda t: {"referral_id": t.offered.pk},
        variant="Sam asked to help",
    ),
    Case("api-v1:offers", API_KEYS),
    api_post(
        "api-v1:offer_accept",
        api_action(404, member=200),  # only the volunteer asked finds it
        lambda t: {"offer_id": t.offer.pk},
    ),
    api_post(
        "api-v1:offer_decline",
        api_action(404, member=200),
        lambda t: {"offer_id": t.offer.pk},
        lambda t: {"reason": "Away that week"},
    ),
    Case("api-v1:escalation_list", API_STAFF),
    # Published pledges are public: no key needed; a key's hub is the default.
    Case("api-v1:pledge_list", outcomes(200, anonymous=400)),
    Case("api-v1:pledge_list", API_ANYONE, query=lambda t: "?hub=millbrook", variant="Millbrook's"),
    Case("api-v1:pledge_detail", API_ANYONE, lambda t: {"pledge_id": t.pledge.pk}),
    api_post(
        "api-v1:escalation_resolve",
        api_action(200, member=403),  # Dr Amir (it is his) or a coordinator
        lambda t: {"escalation_id": t.escalation.pk},
        lambda t: {"resolution": "Rang Molly myself."},
    ),
]

# --- reports against a pledge --------------------------------------------------------------


def report_pledge(t):
    return {"slug": t.slug, "pledge_slug": t.report_pledge.slug}


def report(attribute="report"):
    return lambda t: {"slug": t.slug, "report_id": getattr(t, attribute).pk}


IN_MILLBROOK_DO = outcomes(MOVED, anonymous=SIGN_IN, outsider=403, other_coordinator=403)


def answer_link(spoil=""):
    return lambda t: {
        "slug": t.slug,
        "report_id": t.contact_report.pk,
        "token": spoil + t.contact_token,
    }


CASES += [
    # The pledge takes reports from members only (not the public): anonymous signs in.
    Case("report-new", MEMBERS, report_pledge),
    Case(
        "report-new",
        MEMBERS,
        report_pledge,
        query=lambda t: f"?category={t.report.category.code}",
        variant="the form for a kind of problem",
    ),
    Case(
        "report-new",
        IN_MILLBROOK_DO,
        report_pledge,
        method="post",
        data=lambda t: {
            "category": t.report.category.code,
            "description": "Another light out",
            "address": "Block A",
            "attribute[block]": "a",
            "for_member": "me",
        },
    ),
    Case("pledge-reports", PUBLIC, report_pledge),
    Case("report-queue", STAFF, hub),
    Case("report-queue", STAFF, hub, query=lambda t: "?show=all&page=2", variant="a later page"),
    Case("my-reports", SIGNED_IN),
    Case("report", PUBLIC, report()),
    Case("report", PUBLIC, report("closed_report"), variant="closed, waiting for Sam"),
    Case("report-photo", outcomes(404), report(), variant="no photo"),
    Case("report-update", POST_ONLY, report()),
    Case(
        "report-update",
        IN_MILLBROOK_DO | {"member": 403},
        report(),
        method="post",
        data=lambda t: {"status": "acknowledged", "note": "Booked"},
    ),
    Case("report-me-too", POST_ONLY, report()),
    Case(
        "report-me-too",
        IN_MILLBROOK_DO | {"member": 403},  # Sam reported it: he follows it already
        report(),
        method="post",
    ),
    Case("report-answer", POST_ONLY, report("closed_report")),
    Case(
        "report-answer",
        outcomes(403, anonymous=SIGN_IN, member=MOVED),  # only Sam, who reported it
        report("closed_report"),
        method="post",
        data=lambda t: {"fixed": "no", "note": "Still dripping"},
    ),
    Case("report", PUBLIC, report("contact_report"), variant="closed, from Ada (no account)"),
    # Staff record the answer of a reporter who is not online (Ada has no account).
    Case("report-answer-for", POST_ONLY, report("contact_report")),
    Case(
        "report-answer-for",
        IN_MILLBROOK_DO | {"member": 403},
        report("contact_report"),
        method="post",
        data=lambda t: {"fixed": "yes", "note": "Rang her: it works"},
    ),
    # The link emailed to Ada: whoever holds it answers for her, signed in or not.
    Case("report-answer-link", PUBLIC, answer_link()),
    Case(
        "report-answer-link",
        outcomes(MOVED),
        answer_link(),
        method="post",
        data=lambda t: {"fixed": "no", "note": "Still dark"},
    ),
    Case("report-answer-link", outcomes(400), answer_link("x"), variant="a changed link"),
    Case("report-moderate", POST_ONLY, report()),
    Case(
        "report-moderate",
        IN_MILLBROOK_DO | {"member": 403, "staff": 403},
        report(),
        method="post",
        data=lambda t: {"description": "A light is out.", "reason": "Shorter"},
    ),
    Case("api-v1:report_list", API_KEYS),
    Case("api-v1:report_detail", API_MILLBROOK, lambda t: {"report_id": t.report.pk}),
    api_post(
        "api-v1:report_create",
        outcomes(201, anonymous=401, outsider=400, other_coordinator=400),  # not their hub's
        data=lambda t: {
            "category": t.report.category.code,
            "description": "The lift light is out.",
            "address": "Block A",
            "answers": {"block": "a"},
        },
    ),
    api_post(
        "api-v1:report_update",
        api_action(200, member=403),
        lambda t: {"report_id": t.report.pk},
        lambda t: {"status": "acknowledged", "note": "Booked"},
    ),
    api_post(
        "api-v1:report_me_too",
        api_action(200, member=403),
        lambda t: {"report_id": t.report.pk},
    ),
    api_post(
        "api-v1:report_answer",
        api_action(403, member=200),
        lambda t: {"report_id": t.closed_report.pk},
        lambda t: {"fixed": False, "note": "Still dripping"},
    ),
    api_post(
        "api-v1:report_answer",
        api_action(200, member=403),  # staff, for Ada, who has no account
        lambda t: {"report_id": t.contact_report.pk},
        lambda t: {"fixed": True, "for_reporter": True},
        variant="for the reporter",
    ),
    api_post(
        "api-v1:report_moderate",
        api_action(200, member=403, staff=403),
        lambda t: {"report_id": t.report.pk},
        lambda t: {"description": "A light is out.", "reason": "Shorter"},
    ),
]

# --- pledges: the scorecard -----------------------------------------------------------------


def scored(attribute="scored_pledge"):
    return lambda t: {"slug": t.slug, "pledge_slug": getattr(t, attribute).slug}


def users_side_body(t):
    month = timezone.localdate().replace(day=1).isoformat()
    return {"commitment": "Cancel appointments you cannot keep", "month": month, "count": "2"}


# A draft's scorecard is not shown (404) to anyone but Millbrook's staff.
DRAFT = outcomes(404, staff=200, coordinator=200, admin=200)
CASES += [
    Case("pledge-scorecard", PUBLIC, scored()),
    Case("pledge-scorecard", DRAFT, scored("draft_pledge"), variant="draft"),
    Case("pledge-scorecard-print", PUBLIC, scored()),
    Case("pledge-scorecard-csv", PUBLIC, scored()),
    Case("pledge-scorecard-csv", DRAFT, scored("draft_pledge"), variant="draft"),
    Case("pledge-users-side", POST_ONLY, scored()),
    Case(
        "pledge-users-side",
        outcomes(MOVED, anonymous=SIGN_IN, member=403, outsider=403, other_coordinator=403),
        scored(),
        method="post",
        data=users_side_body,
    ),
    Case(
        "api-v1:pledge_scorecard",
        API_MILLBROOK,
        lambda t: {"pledge_slug": t.scored_pledge.slug},
    ),
    Case(
        "api-v1:pledge_scorecard",
        {**API_MILLBROOK, "member": 404},
        lambda t: {"pledge_slug": t.draft_pledge.slug},
        variant="draft",
    ),
]

# --- involvement: the API --------------------------------------------------------------------


def involved(attribute, name):
    """An id of one of the involvement objects (tests/involve/api_objects.py)."""
    return lambda t: {name: getattr(t.involvement_api, attribute).pk}


def meeting_body(t):
    start = timezone.localtime() + datetime.timedelta(days=5)
    end = start + datetime.timedelta(hours=2)
    return {
        "kind": "co_design",
        "title": "Patient-led induction",
        "description": "Tell new receptionists what it is like to be a patient.",
        "meetings": [{"starts_at": start.isoformat(), "ends_at": end.isoformat()}],
        "user_places": 2,
    }


# Managing an opportunity: its lead (Dr Amir) and the coordinators.
API_MANAGERS = api_action(200, member=403)

CASES += [
    # --- involvement
    Case("api-v1:opportunity_list", API_KEYS),
    Case("api-v1:opportunity_detail", API_MILLBROOK, involved("panel", "opportunity_id")),
    api_post(
        "api-v1:opportunity_create",
        outcomes(201, anonymous=401, member=403, outsider=403),  # Tunde: in Northfield
        data=meeting_body,
    ),
    api_post(
        "api-v1:signup_ask",
        api_action(201),  # each asks for themselves
        involved("panel", "opportunity_id"),
        lambda t: {"message": "Step-free access, please"},
    ),
    api_post(
        "api-v1:signup_ask",
        api_action(403, coordinator=201, admin=201),  # coordinators, for someone not online
        involved("group", "opportunity_id"),
        lambda t: {"person_id": t.no_password.pk},
        variant="for Pat, who has never signed in",
    ),
    Case("api-v1:opportunity_signups", API_MANAGERS, involved("panel", "opportunity_id")),
    Case("api-v1:my_signups", API_KEYS),
    api_post(
        "api-v1:signup_answer",
        api_action(200, staff=403),  # Sam, or a coordinator; the lead decides, never answers
        involved("invited", "signup_id"),
        lambda t: {"yes": True},
    ),
    api_post(
        "api-v1:signup_withdraw",
        api_action(200, staff=403),
        involved("invited", "signup_id"),
        lambda t: {"reason": "In hospital that week"},
    ),
    Case("api-v1:shortlist_view", API_MANAGERS, involved("panel", "opportunity_id")),
    api_post(
        "api-v1:shortlist_confirm",
        API_MANAGERS,
        involved("panel", "opportunity_id"),
        lambda t: {"chosen": [t.involvement_api.asked.pk]},
    ),
    api_post(
        "api-v1:attendance_record",
        API_MANAGERS,
        involved("meeting", "meeting_id"),
        lambda t: {
            "marks": [{"signup_id": t.involvement_api.ron_on_group.pk, "status": "attended"}]
        },
    ),
    api_post(
        "api-v1:thanks_choose",
        api_action(403, member=200),  # Sam came: his to choose; the lead sees it, no more
        involved("came", "attendance_id"),
        lambda t: {"recompense": "credits"},
    ),
]

# --- Open311 --------------------------------------------------------------------------------


def millbrook(t):
    return "?jurisdiction_id=millbrook"


def open311(fmt, **more):
    return lambda t: {"fmt": fmt, **{k: v(t) for k, v in more.items()}}


OPEN311_POSTS = outcomes(200, anonymous=403, outsider=403, other_coordinator=403)

CASES += [
    Case("open311:discovery", PUBLIC, open311("xml")),
    Case("open311:services", PUBLIC, open311("json"), query=millbrook),
    Case(
        "open311:service",
        PUBLIC,
        open311("xml", service_code=lambda t: t.pledged.lights.code),
        query=millbrook,
    ),
    Case("open311:requests", PUBLIC, open311("json"), query=millbrook),
    Case(
        "open311:request",
        PUBLIC,
        open311("json", service_request_id=lambda t: t.stair_light.pk),
        query=millbrook,
    ),
    Case(
        "open311:request-singular",
        PUBLIC,
        open311("xml", service_request_id=lambda t: t.stair_light.pk),
        query=millbrook,
    ),
    Case("open311:updates", PUBLIC, open311("json"), query=millbrook),
    Case("open311:not-found", outcomes(404), lambda t: {"rest": "nothing.json"}),
    Case(
        "open311:requests",
        OPEN311_POSTS,  # any key of Millbrook's
        open311("json"),
        method="post",
        data=lambda t: {
            "jurisdiction_id": "millbrook",
            "service_code": t.pledged.lights.code,
            "address_string": "Beech House",
            "description": "Another light out.",
            "attribute[block]": "beech",
        },
    ),
    Case(
        "open311:updates",
        {**OPEN311_POSTS, "member": 403},  # staff, by their own key
        open311("xml"),
        method="post",
        data=lambda t: {
            "jurisdiction_id": "millbrook",
            "service_request_id": str(t.stair_light.pk),
            "status": "INVESTIGATING",
            "description": "An electrician is looking at it.",
        },
    ),
]

# --- involvement: opportunities -------------------------------------------------------------
# Members of Millbrook only: anyone else gets a 404 (the page is not theirs to know of).
INVOLVE_MEMBERS = outcomes(200, anonymous=SIGN_IN, outsider=404, other_coordinator=404)
INVOLVE_STAFF = {**INVOLVE_MEMBERS, "member": 403}
# The lead of the panel (Dr Amir, staff) and the coordinators.
PANEL_MANAGERS = INVOLVE_STAFF
# The lead of the group (Grace, coordinator) and the coordinators: not Dr Amir.
GROUP_MANAGERS = {**INVOLVE_STAFF, "staff": 403}


def involve(attribute, **more):
    def kwargs(t):
        return {"slug": t.slug, "pk": getattr(t.involve, attribute).pk, **more}

    return kwargs


def involve_meeting(t):
    return {"slug": t.slug, "pk": t.involve.group.pk, "session_id": t.involve.past.pk}


CASES += [
    Case("involve-list", INVOLVE_MEMBERS, hub),
    Case(
        "involve-list",
        INVOLVE_MEMBERS,
        hub,
        query=lambda t: "?kind=co_managing&can_take=1&page=2",
        variant="filtered",
    ),
    Case("involve-new", INVOLVE_STAFF, hub),
    Case("involve-opportunity", INVOLVE_MEMBERS, involve("panel")),
    Case("involve-opportunity", INVOLVE_MEMBERS, involve("group"), variant="a series"),
    Case("involve-ask", INVOLVE_MEMBERS, involve("panel")),
    Case("involve-invite", PANEL_MANAGERS, involve("panel")),
    Case("involve-shortlist", PANEL_MANAGERS, involve("panel")),
    Case("involve-meeting-add", GROUP_MANAGERS, involve("group")),
    Case("involve-attendance-record", GROUP_MANAGERS, involve_meeting),
    Case("involve-change", PANEL_MANAGERS, involve("panel")),
    Case("involve-cancel", PANEL_MANAGERS, involve("panel")),
    Case("involve-hired", PANEL_MANAGERS, involve("panel")),
    # Sam's request: Sam, the panel's lead and the coordinators.
    Case("involve-signup", INVOLVE_MEMBERS, involve("asked")),
    # Sam's thanks for the group's meeting: Sam, its lead and the coordinators (not Dr Amir).
    Case("involve-attendance", {**INVOLVE_MEMBERS, "staff": 404}, involve("attendance")),
    Case("involve-expense-decide", outcomes(405, anonymous=SIGN_IN), involve("expense")),
    Case(
        "involve-expense-decide",
        outcomes(404, anonymous=SIGN_IN, member=403, coordinator=MOVED, admin=MOVED),
        involve("expense"),
        method="post",
        data=lambda t: {"decision": "approve"},
    ),
    Case(
        "involve-ask",
        outcomes(MOVED, anonymous=SIGN_IN, member=400, outsider=404, other_coordinator=404),
        involve("panel"),
        method="post",
        data=lambda t: {"message": "Matrix: I would like to help"},
        variant="asking for a place",
    ),
]

# --- involvement: people ---------------------------------------------------------------------
# Members of the hub only: anyone else (Jean, Tunde) gets a 404. A person's pack and record
# are theirs and their coordinators'; the figures are for staff; the packs to post,
# payments, the hub's rules and training for coordinators. Objects: matrix_objects
# build_involve_people (Sam's record, Sam's and Ron's packs, Sam's mileage claim).

# INVOLVE_MEMBERS and INVOLVE_STAFF: as for the opportunities, above.
INVOLVE_COORDINATORS = {**INVOLVE_STAFF, "staff": 403}
# Sam's own, and his hub's coordinators'.
INVOLVE_SAMS = {**INVOLVE_MEMBERS, "staff": 404}
INVOLVE_COORDINATORS_DO = outcomes(
    403, anonymous=SIGN_IN, coordinator=MOVED, admin=MOVED, outsider=404, other_coordinator=404
)


def involve_pack(attribute):
    return lambda t: {"slug": t.slug, "pk": getattr(t.involve_people, attribute).pk}


def involve_sam(t):
    return {"slug": t.slug, "person_id": t.world.member.pk}


def involve_choices_body(t):
    return {
        "kinds": ["co_design"],
        "how_often": "weekly",
        "format": "email",
        "recompense": "credits",
    }


CASES += [
    Case("involve-choices", INVOLVE_MEMBERS, hub),
    Case(
        "involve-choices",
        {**INVOLVE_MEMBERS, "member": 404, "staff": 404},
        hub,
        query=lambda t: f"?person={t.world.assisted.pk}",
        variant="for Ron, not online",
    ),
    Case(
        "involve-choices",
        outcomes(404, anonymous=SIGN_IN, member=200),
        hub,
        query=lambda t: f"?person={t.world.member.pk}",
        variant="for Sam, who chooses himself",
    ),
    Case(
        "involve-choices",
        outcomes(MOVED, anonymous=SIGN_IN, outsider=404, other_coordinator=404),
        hub,
        method="post",
        data=involve_choices_body,
    ),
    Case(
        "involve-choices",
        outcomes(404, anonymous=SIGN_IN, coordinator=MOVED, admin=MOVED),
        hub,
        method="post",
        data=involve_choices_body,
        query=lambda t: f"?person={t.world.assisted.pk}",
        variant="for Ron, not online",
    ),
    Case("involve-pack", INVOLVE_SAMS, involve_pack("pack")),
    Case(
        "involve-pack",
        {**INVOLVE_SAMS, "member": 404},
        involve_pack("assisted_pack"),
        variant="Ron's",
    ),
    Case("involve-packs-print", INVOLVE_COORDINATORS, hub),
    Case("involve-record", INVOLVE_MEMBERS, hub),
    Case("involve-record-person", INVOLVE_SAMS, involve_sam),
    Case("involve-record-csv", INVOLVE_SAMS, involve_sam),
    Case("involve-certificate", INVOLVE_SAMS, involve_sam),
    Case("involve-figures", INVOLVE_STAFF, hub),
    Case("involve-payments", INVOLVE_COORDINATORS, hub),
    Case(
        "involve-payments",
        INVOLVE_COORDINATORS_DO,
        hub,
        method="post",
        data=lambda t: {"action": "approve", "expense": str(t.involve_people.expense.pk)},
        variant="approve Sam's mileage",
    ),
    Case("involve-payments-csv", INVOLVE_COORDINATORS, hub),
    Case("involve-settings", INVOLVE_COORDINATORS, hub),
    Case(
        "involve-settings",
        INVOLVE_COORDINATORS_DO,
        hub,
        method="post",
        data=lambda t: {
            "payment": "25.00",
            "block_hours": "3",
            "block_minutes": "0",
            "payment_taxable": "1",
            "voucher": "15.00",
            "mileage": "0.45",
            "limits_are_hard": "0",
            "favour_areas": "0",
            "advice": "Citizens Advice, 0800 144 8848.",
        },
    ),
    Case("involve-training", INVOLVE_COORDINATORS, hub),
    Case(
        "involve-training",
        INVOLVE_COORDINATORS_DO,
        hub,
        method="post",
        data=lambda t: {
            "person": str(t.world.member.pk),
            "name": "Incident review training",
            "trained_on": timezone.localdate().isoformat(),
        },
    ),
]

# --- Your Space: pages -----------------------------------------------------------------------
# Members of Millbrook only (anyone else: 404, as for involvement). Setting up, changing and
# moving on a round, and entering a ballot for someone else: coordinators. Checking ideas:
# staff and coordinators. Objects: matrix_objects build_space_pages (a round taking ideas
# with Sam's coffee morning unchecked; a round open for votes).
SPACE_MEMBERS = INVOLVE_MEMBERS
SPACE_STAFF = INVOLVE_STAFF
SPACE_COORDINATORS = {**INVOLVE_STAFF, "staff": 403}
SPACE_MEMBERS_DO = outcomes(MOVED, anonymous=SIGN_IN, outsider=404, other_coordinator=404)
SPACE_STAFF_DO = {**SPACE_MEMBERS_DO, "member": 403}
SPACE_COORDINATORS_DO = INVOLVE_COORDINATORS_DO


def space_round(attribute):
    return lambda t: {"slug": t.slug, "pk": getattr(t.space_pages, attribute).pk}


def space_idea(t):
    idea = t.space_pages.idea
    return {"slug": t.slug, "pk": idea.round_id, "idea_id": idea.pk}


def space_round_body(t):
    return {
        "title": "Matrix round",
        "resource": "room",
        "hours": "10",
        "minutes": "0",
        "weighting": "none",
        "most_deprived_deciles": "2",
    }


# --- Your Space: result and delivery ----------------------------------------------------------
# The result and its ballots as a pabulib file are public once counted (anyone, signed in
# or not). Overriding, setting a funded project up, booking the room and importing a .pb
# file: Millbrook's coordinators. Progress: also the person running it (Sam proposed it).
# Members of other hubs get a 404. Objects: matrix_objects build_space_result.

RESULT_COORDINATORS = outcomes(
    200, anonymous=SIGN_IN, member=403, staff=403, outsider=404, other_coordinator=404
)
RESULT_COORDINATORS_DO = outcomes(
    403, anonymous=SIGN_IN, coordinator=MOVED, admin=MOVED, outsider=404, other_coordinator=404
)
RESULT_RUNNERS = outcomes(200, anonymous=SIGN_IN, staff=403, outsider=404, other_coordinator=404)


def result_round(t):
    return {"slug": t.slug, "pk": t.space_result.round.pk}


def result_idea(attribute):
    return lambda t: {**result_round(t), "idea_id": getattr(t.space_result, attribute).pk}


def result_pb(t):
    text = (
        "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost;name\n"
        "1;60;Matrix import A\n2;40;Matrix import B\nVOTES\nvoter_id;vote\n1;1,2\n2;2\n"
    )
    return {
        "file": SimpleUploadedFile("round.pb", text.encode(), "text/plain"),
        "title": "Matrix imported round",
        "resource": "money",
    }


CASES += [
    Case("space-rounds", SPACE_MEMBERS, hub),
    Case("space-round-new", SPACE_COORDINATORS, hub),
    Case("space-round-new", SPACE_COORDINATORS_DO, hub, method="post", data=space_round_body),
    Case("space-round", SPACE_MEMBERS, space_round("ideas_round")),
    Case("space-round", SPACE_MEMBERS, space_round("voting_round"), variant="voting"),
    Case("space-round-change", SPACE_COORDINATORS, space_round("ideas_round")),
    Case(
        "space-round-change",
        SPACE_COORDINATORS_DO,
        space_round("ideas_round"),
        method="post",
        data=lambda t: {**space_round_body(t), "title": "Matrix round, renamed"},
    ),
    Case("space-round-advance", SPACE_COORDINATORS, space_round("ideas_round")),
    Case(
        "space-round-advance",
        SPACE_COORDINATORS_DO,
        space_round("ideas_round"),
        method="post",
        data=lambda t: {"to": "feasibility"},
    ),
    Case("space-idea-new", SPACE_MEMBERS, space_round("ideas_round")),
    Case(
        "space-idea-new",
        SPACE_MEMBERS_DO,
        space_round("ideas_round"),
        method="post",
        data=lambda t: {
            "title": "Matrix idea",
            "description": "A matrix idea.",
            "hours": "1",
            "minutes": "0",
            "run_by": "Matrix group",
        },
    ),
    Case("space-idea", SPACE_MEMBERS, space_idea),
    Case("space-idea-check", SPACE_STAFF, space_idea),
    Case(
        "space-idea-check",
        SPACE_STAFF_DO,
        space_idea,
        method="post",
        data=lambda t: {"feasible": "yes"},
    ),
    Case("space-ballot", SPACE_MEMBERS, space_round("voting_round")),
    Case(
        "space-ballot",
        SPACE_MEMBERS_DO,
        space_round("voting_round"),
        method="post",
        data=lambda t: {"ideas": [str(t.space_pages.on_ballot.pk)]},
    ),
    Case("space-ballot-for", SPACE_COORDINATORS, space_round("voting_round")),
    Case(
        "space-ballot-for",
        SPACE_COORDINATORS_DO,
        space_round("voting_round"),
        method="post",
        data=lambda t: {
            "voter": str(t.world.assisted.pk),
            "paper": "on",
            "ideas": [str(t.space_pages.on_ballot.pk)],
        },
    ),
    Case("space-result", PUBLIC, result_round),
    Case("space-export", PUBLIC, result_round),
    Case("space-override", RESULT_COORDINATORS, result_round),
    Case(
        "space-override",
        RESULT_COORDINATORS_DO,
        result_round,
        method="post",
        data=lambda t: {
            "funded": [str(t.space_result.coffee.pk)],
            "reason": "Matrix: the shed found another home.",
        },
    ),
    Case("space-idea-deliver", RESULT_COORDINATORS, result_idea("coffee")),
    Case(
        "space-idea-deliver",
        RESULT_COORDINATORS_DO,
        result_idea("coffee"),
        method="post",
        data=lambda t: {"lead": str(t.world.member.pk), "roles": "host"},
    ),
    Case("space-idea-book", RESULT_COORDINATORS, result_idea("coffee")),
    Case(
        "space-idea-book",
        RESULT_COORDINATORS_DO,
        result_idea("coffee"),
        method="post",
        data=lambda t: {
            "weekday": "1",
            "starts": "10:00",
            "hours": "2",
            "minutes": "0",
            "first_date": tuesday_to_come().isoformat(),
        },
    ),
    Case("space-idea-progress", RESULT_RUNNERS, result_idea("coffee")),
    Case(
        "space-idea-progress",
        {**RESULT_RUNNERS, "member": MOVED, "coordinator": MOVED, "admin": MOVED},
        result_idea("coffee"),
        method="post",
        data=lambda t: {"progress": "Matrix: ten came."},
    ),
    Case("space-import", RESULT_COORDINATORS, hub),
    Case("space-import", RESULT_COORDINATORS_DO, hub, method="post", data=result_pb),
]

# --- Your Space: the API ------------------------------------------------------------------


def space(attribute, idea=None):
    """A round of tests/space/api_objects.py (and one of its ideas), in Millbrook."""

    def kwargs(t):
        built = {"slug": t.slug, "round_id": getattr(t.space_api, attribute).pk}
        return {**built, "idea_id": getattr(t.space_api, idea).pk} if idea else built

    return kwargs


# Set up, move on and override: Millbrook's coordinators (Tunde's key is Northfield's: 404).
API_SPACE_COORDINATORS = api_action(403, coordinator=200, admin=200)

CASES += [
    Case("api-v1:space_rounds", API_MILLBROOK, hub),
    api_post(
        "api-v1:space_round_create",
        api_action(403, coordinator=201, admin=201),
        hub,
        lambda t: {"title": "Community chest", "resource": "money", "amount": 500},
    ),
    Case("api-v1:space_round", API_MILLBROOK, space("ideas_round")),
    api_post(
        "api-v1:space_round_advance",
        API_SPACE_COORDINATORS,
        space("ideas_round"),
        lambda t: {"to": "feasibility"},
    ),
    Case("api-v1:space_ideas", API_MILLBROOK, space("voting")),
    api_post(
        "api-v1:space_idea_propose",
        api_action(201),  # every member, while the round takes ideas
        space("ideas_round"),
        lambda t: {
            "title": "Men's shed",
            "description": "Fix bikes.",
            "cost": 120,
            "run_by": "Ron",
        },
    ),
    api_post(
        "api-v1:space_idea_check",
        api_action(200, member=403),  # staff and coordinators
        space("ideas_round", "idea"),
        lambda t: {"feasible": True},
    ),
    api_post(
        "api-v1:space_ballot_cast",
        api_action(200),  # every member votes for themself
        space("voting"),
        lambda t: {"ideas": [t.space_api.on_ballot.pk]},
    ),
    Case("api-v1:space_ballot", api_action(404, member=200), space("voting")),  # Sam voted
    Case("api-v1:space_result", API_MILLBROOK, space("counted")),
    api_post(
        "api-v1:space_override",
        API_SPACE_COORDINATORS,
        space("counted"),
        lambda t: {"funded": [], "reason": "The room is closed for repairs this term."},
    ),
]

# --- insight (geo) ---
# The areas' figures: Millbrook's coordinators (and its admin) only; everyone else 403, a
# member of another hub too. Objects: matrix_objects build_geo (Matrix Estate, no figures).
# Each POST gives the area the next decile round (1..10), so every one changes something.


def geo_area(t):
    return {"slug": t.slug, "pk": t.geo_area.pk}


def geo_next_decile(t) -> str:
    from coproduce.hubs.models import Neighbourhood

    decile = Neighbourhood.objects.get(pk=t.geo_area.pk).deprivation_decile or 0
    return str(decile % 10 + 1)


def geo_figures(t):
    return {"deprivation_decile": geo_next_decile(t), "population": "1450"}


def geo_file(t):
    text = f"area,decile,population\r\nMatrix Estate,{geo_next_decile(t)},1450\r\n"
    return {"file": SimpleUploadedFile("areas.csv", text.encode(), content_type="text/csv")}


CASES += [
    Case("insight-areas", COORDINATORS, hub),
    Case("insight-area-edit", COORDINATORS, geo_area),
    Case("insight-area-edit", COORDINATORS_DO, geo_area, method="post", data=geo_figures),
    Case("insight-areas-upload", COORDINATORS, hub),
    Case("insight-areas-upload", COORDINATORS_DO, hub, method="post", data=geo_file),
]


# --- insight (health) ---
# A hub's health checks: its members see the rounds and results and answer (anyone else:
# 404); opening a round and entering paper answers for someone not online (Ron): its
# coordinators. Equality questions: each signed-in person's own. Objects: matrix_objects
# build_health (a round open now).
HEALTH_MEMBERS = outcomes(200, anonymous=SIGN_IN, outsider=404, other_coordinator=404)
HEALTH_COORDINATORS = {**HEALTH_MEMBERS, "member": 403, "staff": 403}
HEALTH_MEMBERS_DO = outcomes(MOVED, anonymous=SIGN_IN, outsider=404, other_coordinator=404)
HEALTH_COORDINATORS_DO = {**HEALTH_MEMBERS_DO, "member": 403, "staff": 403}


def health_check(t):
    return {"slug": t.slug, "pk": t.health.check.pk}


def health_answers(t):
    from coproduce.insight.healthcheck import QUESTION_KEYS

    return dict.fromkeys(QUESTION_KEYS, "4")


def health_round_body(t):
    today = timezone.localdate()
    return {
        "title": "Matrix next round",
        "opens_on": (today + datetime.timedelta(days=60)).isoformat(),
        "closes_on": (today + datetime.timedelta(days=80)).isoformat(),
    }


CASES += [
    Case("health-checks", HEALTH_MEMBERS, hub),
    Case("health-check-new", HEALTH_COORDINATORS, hub),
    Case("health-check-new", HEALTH_COORDINATORS_DO, hub, method="post", data=health_round_body),
    Case("health-check", HEALTH_MEMBERS, health_check),
    Case("health-check-answer", HEALTH_MEMBERS, health_check),
    Case(
        "health-check-answer", HEALTH_MEMBERS_DO, health_check, method="post", data=health_answers
    ),
    Case("health-check-answer-for", HEALTH_COORDINATORS, health_check),
    Case(
        "health-check-answer-for",
        HEALTH_COORDINATORS_DO,
        health_check,
        method="post",
        data=lambda t: {**health_answers(t), "person": str(t.world.assisted.pk)},
    ),
    Case("equality", SIGNED_IN),
    Case(
        "equality",
        outcomes(MOVED, anonymous=SIGN_IN),
        method="post",
        data=lambda t: {"carer": "prefer_not", "consent": "on"},
    ),
    Case("equality-delete", POST_ONLY),
    Case("equality-delete", outcomes(MOVED, anonymous=SIGN_IN), method="post"),
]


# --- insight (export) ---
# Download my data: anyone signed in, their own data only. The download's link works for the
# person who asked alone (Sam's, whose file is gone here: 410); anyone else 404. A
# coordinator downloads the data of a member who is not online (Ron), never of someone who
# manages their own account (Sam: 403, "they can download it themselves"); nobody else.
# Objects: matrix_objects build_my_data.
MY_DATA_ASK = outcomes(MOVED, anonymous=SIGN_IN)


def not_online(t):
    return {"slug": t.slug, "person_id": t.world.assisted.pk}


CASES += [
    Case("my-data", SIGNED_IN),
    Case("my-data-export", POST_ONLY),
    Case("my-data-export", MY_DATA_ASK, method="post"),
    Case(
        "my-data-download",
        outcomes(404, anonymous=SIGN_IN, member=410),
        lambda t: {"token": t.my_data_token},
    ),
    Case("member-data", {**COORDINATORS, "outsider": 403, "other_coordinator": 403}, not_online),
    Case(
        "member-data",
        outcomes(403, anonymous=SIGN_IN),
        lambda t: {"slug": t.slug, "person_id": t.world.member.pk},
        variant="someone who manages their own account",
    ),
]


# --- insight (erase) ---
# "Delete my account": the page for anyone signed in; the POST (their password, confirmed)
# erases the persona themselves (each test is rolled back), except Helen, the only admin of
# Millbrook, who is refused and nothing is written. A coordinator's request to erase
# someone not online: Millbrook's coordinators only, for matrix_objects
# build_erase_person; anyone else 403 (people of other hubs too: the coordinator check
# comes first and names nobody).
ERASE_SELF_DO = outcomes(200, anonymous=SIGN_IN, admin=400)
ERASE_COORDINATORS = outcomes(
    403, anonymous=SIGN_IN, coordinator=200, admin=200, outsider=403, other_coordinator=403
)


def erase_person(t):
    return {"slug": t.slug, "person_id": t.erase_person.pk}


def erase_self_body(t):
    return {"password": PASSWORD, "confirm": "on"}


def erase_member_body(t):
    return {"how": "paper", "note": "Matrix", "confirm": "on"}


CASES += [
    Case("my-account-delete", SIGNED_IN),
    Case("my-account-delete", ERASE_SELF_DO, method="post", data=erase_self_body),
    Case("member-erase", ERASE_COORDINATORS, erase_person),
    Case("member-erase", ERASE_COORDINATORS, erase_person, method="post", data=erase_member_body),
]


# --- insight (pages) ---
# The dashboard, the board report and CSVs: Millbrook's staff and coordinators (members and
# other hubs: 403); CSVs naming members (the busiest tenth): coordinators only. Settings:
# coordinators. The public summary: anyone, signed in or not, as Millbrook allows it
# (matrix_objects build_insight_pages); Northfield does not, so its summary is a 404 to
# all. Nobody sees another hub's insight: Northfield's dashboard is Tunde's alone. That
# names appear for coordinators and not for staff, and that a group of 4 never appears in
# the public summary: tests/insight/test_pages_permissions.py.
INSIGHT_STAFF = STAFF
INSIGHT_COORDINATORS = COORDINATORS


def northfield(t):
    return {"slug": t.world.other_hub.slug}


def insight_table(name):
    return lambda t: {"slug": t.slug, "table": name}


def insight_settings_body(t):
    import uuid

    return {
        "valuation": "minimum",
        "public_summary": "1",
        "catchment": "MB1",
        "key": uuid.uuid4().hex,
    }


CASES += [
    Case("insight-dashboard", INSIGHT_STAFF, hub),
    Case(
        "insight-dashboard",
        outcomes(403, anonymous=SIGN_IN, other_coordinator=200),
        northfield,
        variant="another hub's",
    ),
    Case("insight-board", INSIGHT_STAFF, hub, query=lambda t: "?quarter=2026-Q3"),
    Case("insight-csv", INSIGHT_STAFF, insight_table("by_area")),
    Case("insight-csv", INSIGHT_COORDINATORS, insight_table("busiest"), variant="names"),
    Case("insight-public", PUBLIC, hub),
    Case("insight-public", outcomes(404), northfield, variant="not shown"),
    Case("insight-settings", INSIGHT_COORDINATORS, hub),
    Case(
        "insight-settings",
        COORDINATORS_DO,
        hub,
        method="post",
        data=insight_settings_body,
    ),
]


# Named URLs left out of the matrix, and why.
EXCLUDED = {
    "password_reset_confirm": "takes a one-time token made for one person; Django's own view",
}


# --- running a request ---------------------------------------------------------------------

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
SESSION = re.compile(
    r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[\"`]?django_session\b",
    re.IGNORECASE,
)


def writes(queries) -> list[str]:
    """The statements that inserted, updated or deleted rows.

    Writes to django_session are left out: the session middleware saves the session when
    a page changes it (a flash message read and cleared, the conversation link's place for
    someone without an account), which is how Django keeps a visitor's state, not the
    application's data.
    """
    return [q["sql"] for q in queries if WRITE.match(q["sql"]) and not SESSION.match(q["sql"])]


def send(client, case: Case, t: Things, persona: str, method: str | None = None):
    """Make the request as the persona (signed in, or with their key, before anything is
    captured); return the response and the statements that wrote, with the work the
    request left for after the commit included."""
    method = method or case.method
    url = case.url(t)
    headers = {}
    data = case.data(t) if case.data else None
    if case.is_api or case.is_open311:
        keys_used_just_now()
    if case.is_api:
        if persona != "anonymous":
            headers["Authorization"] = f"Bearer {t.api_keys[persona]}"
    elif case.is_open311:
        if persona != "anonymous" and method == "post":
            data = {**(data or {}), "api_key": t.api_keys[persona]}
    elif persona != "anonymous":
        client.force_login(t.person(persona))
    # A request empties the connection's log of queries as it starts, and the capture
    # counts from where the log stood: start from an empty log, or the first statements
    # (as many as the last request ran) are missed.
    reset_queries()
    with (
        CaptureQueriesContext(connection) as captured,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        if method == "get":
            response = client.get(url, headers=headers)
        elif case.is_api:
            response = client.post(
                url, data or {}, content_type="application/json", headers=headers
            )
        else:
            response = client.post(url, data or {}, headers=headers)
        # A CSV download is read here, so its queries are captured too.
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body.decode(errors="replace"), writes(captured.captured_queries)


def outcome_of(response):
    if response.status_code == 302:
        return SIGN_IN if response["Location"].startswith(reverse("login")) else MOVED
    return response.status_code


def describe(case, persona, response, body) -> str:
    where = response.get("Location", "") if response.status_code == 302 else body[:300]
    return f"{case.id} as {persona}: {response.status_code} {where}"


def check_no_leak(case, persona, body):
    if persona in NOT_IN_MILLBROOK:
        leaked = [secret for secret in SECRETS if secret in body]
        assert not leaked, f"{case.id} shows {persona} Millbrook's {leaked}"


# --- the tests -----------------------------------------------------------------------------

GETS = [c for c in CASES if c.method == "get"]
POSTS = [c for c in CASES if c.method == "post"]


def by_persona(cases, keep=lambda case, persona: True):
    return [
        pytest.param(case, persona, id=f"{case.id} as {persona}")
        for case in cases
        for persona in PERSONAS
        if keep(case, persona)
    ]


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def things(django_db_setup, django_db_blocker):
    """One object of each kind in Millbrook, built once for this module."""
    yield from built_once(django_db_blocker)


@pytest.mark.parametrize(("case", "persona"), by_persona(GETS))
def test_get(things, client, case, persona):
    response, body, _ = send(client, case, things, persona)
    assert outcome_of(response) == case.expect[persona], describe(case, persona, response, body)
    check_no_leak(case, persona, body)


def _refused_page(case, persona):
    return not case.is_api and case.expect[persona] in (SIGN_IN, 403, 404)


@pytest.mark.parametrize(("case", "persona"), by_persona(GETS, _refused_page))
def test_a_page_refused_on_get_is_refused_on_post(things, client, case, persona):
    response, body, wrote = send(client, case, things, persona, method="post")
    assert outcome_of(response) == case.expect[persona], describe(case, persona, response, body)
    assert not wrote, f"{case.id} refused {persona} but wrote: {wrote[0]}"


@pytest.mark.parametrize(("case", "persona"), by_persona(POSTS))
def test_post(things, client, case, persona):
    response, body, wrote = send(client, case, things, persona)
    expected = case.expect[persona]
    assert outcome_of(response) == expected, describe(case, persona, response, body)
    if expected in REFUSED:
        assert not wrote, f"{case.id} refused {persona} but wrote: {wrote[0]}"
    else:
        assert wrote, f"{case.id} let {persona} through but changed nothing"
    check_no_leak(case, persona, body)


def test_the_leak_check_looks_for_what_millbrook_shows_its_own(things, client):
    """Each of Millbrook's private strings is on a page its coordinator sees, so looking for
    them in what other people get means something."""
    seen = "".join(
        send(client, case, things, "coordinator")[1]
        for case in GETS
        if not case.is_api and case.expect["coordinator"] == 200
    )
    assert [secret for secret in SECRETS if secret not in seen] == []


# --- every URL has an entry ----------------------------------------------------------------


def url_names(patterns=None, namespace="") -> set[str]:
    """Every named URL pattern the resolver knows, namespaced ones as 'namespace:name'."""
    found = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            found |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.add(namespace + pattern.name)
    return found


def test_every_url_has_an_entry():
    known = url_names()
    named = {case.name for case in CASES}
    missing = sorted(known - named - set(EXCLUDED))
    assert not missing, (
        f"No entry in the permission matrix (tests/test_permission_matrix.py) for: "
        f"{', '.join(missing)}. Add a Case saying what each persona gets, or put the name "
        f"in EXCLUDED with the reason."
    )
    stale = sorted((named | set(EXCLUDED)) - known)
    assert not stale, f"The permission matrix names URLs that no longer exist: {stale}"
    assert not named & set(EXCLUDED), "A URL is both in the matrix and excluded."


def test_every_entry_says_what_each_persona_gets():
    for case in CASES:
        assert set(case.expect) == set(PERSONAS), case.id
