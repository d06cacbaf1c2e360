"""How the audit log words the hubs app's events (people, memberships, consent, checks,
invitations, API keys and the hub's own details). Imported by HubsConfig.ready()."""

from coproduce.audit import (
    AuditKind,
    Line,
    day,
    label_of,
    listed,
    load_in_bulk,
    lower_first,
    possessive,
    quote,
    renders,
)

from .models import (
    ApiToken,
    CheckType,
    ConsentMethod,
    Membership,
    Neighbourhood,
    Organisation,
    OrganisationKind,
    Person,
    Role,
)

load_in_bulk(
    person=Person.objects,
    membership=Membership.objects.select_related("person"),
    organisation=Organisation.objects,
    neighbourhood=Neighbourhood.objects,
    apitoken=ApiToken.objects.select_related("person"),
)


def as_role(value) -> str:
    """ "a coordinator", "staff", "a hub admin"."""
    if value == Role.STAFF:
        return "staff"
    return f"a {lower_first(label_of(Role, value, 'member'))}"


def _about(line: Line) -> str:
    """The person an event about a membership or a person concerns."""
    if line.person:
        return line.person
    subject = line.subject
    if isinstance(subject, Membership):
        return subject.person.display_name
    if isinstance(subject, Person):
        return subject.display_name
    return line.actor


# --- signing up and profiles -------------------------------------------------------------


@renders(AuditKind.PERSON_REGISTERED)
def _registered(line: Line) -> str:
    name = line.new.get("display_name") or line.actor
    return f"{name} signed up"


@renders(AuditKind.PERSON_CREATED)
def _created(line: Line) -> str:
    name = _about(line) if line.person or line.subject else line.new.get("display_name")
    return f"{line.actor} added {name or 'a person'}, who is not online, as a member"


PROFILE_WORDS = {
    "display_name": "name",
    "email": "email address",
    "phone": "phone number",
    "postal_address": "postal address",
    "contact_preference": "way to be contacted",
    "postcode_district": "postcode area",
    "assets": "list of what they can give",
    "needs": "needs",
    "availability": "availability",
    "languages": "languages",
    "about": "about text",
}


@renders(AuditKind.PROFILE_UPDATED)
def _profile(line: Line) -> str:
    fields = listed(PROFILE_WORDS.get(key, "details") for key in line.new) or "profile"
    if line.person:
        return f"{possessive(line.person)} {fields} changed{line.by}"
    return f"{line.actor} changed their {fields}"


# --- memberships ---------------------------------------------------------------------------


def _organisation_words(line: Line) -> str:
    organisation = line.ref("organisation")
    return f" for {organisation.name}" if organisation else ""


@renders(AuditKind.MEMBERSHIP_CREATED, refs={"organisation": "organisation"})
def _joined(line: Line) -> str:
    role = as_role(line.new.get("role"))
    if line.person:
        return f"{line.person} was added to the hub as {role}{_organisation_words(line)}{line.by}"
    return f"{line.actor} joined the hub as {role}{_organisation_words(line)}"


@renders(AuditKind.MEMBERSHIP_REJOINED, refs={"organisation": "organisation"})
def _rejoined(line: Line) -> str:
    role = as_role(line.new.get("role"))
    if line.person:
        return (
            f"{line.person} was added back to the hub as {role}{_organisation_words(line)}{line.by}"
        )
    return f"{line.actor} joined the hub again as {role}{_organisation_words(line)}"


@renders(AuditKind.MEMBERSHIP_ROLE_CHANGED)
def _role_changed(line: Line) -> str:
    after = as_role(line.new.get("role"))
    before = f" (was {as_role(line.old['role'])})" if line.old.get("role") else ""
    return f"{_about(line)} was made {after}{before}{line.by}"


@renders(
    AuditKind.MEMBERSHIP_UPDATED,
    refs={"neighbourhood": "neighbourhood", "organisation": "organisation"},
)
def _membership_updated(line: Line) -> str:
    parts = []
    if "neighbourhood" in line.new:
        area = line.ref("neighbourhood")
        if line.new["neighbourhood"] is None:
            parts.append("no area")
        else:
            parts.append(f"the area {area.name}" if area else "another area")
    if "organisation" in line.new:
        organisation = line.ref("organisation")
        if line.new["organisation"] is None:
            parts.append("no organisation")
        else:
            parts.append(organisation.name if organisation else "another organisation")
    if "listed_in_directory" in line.new:
        parts.append(
            "being listed in the member directory"
            if line.new["listed_in_directory"]
            else "not being listed in the member directory"
        )
    what = listed(parts) or "new details"
    if line.person:
        return f"{line.person} was set to {what}{line.by}"
    return f"{line.actor} chose {what}"


@renders(AuditKind.MEMBERSHIP_ENDED)
def _left(line: Line) -> str:
    reason = line.new.get("reason")
    because = f": {quote(reason)}" if reason else ""
    if line.person:
        return f"{line.person} was removed from the hub{line.by}{because}"
    return f"{line.actor} left the hub{because}"


# --- invitations and requests to join --------------------------------------------------------


@renders(AuditKind.PASSWORD_INVITATION_SENT)
def _password_invited(line: Line) -> str:
    email = line.new.get("email")
    to = f" (sent to {email})" if email else ""
    return f"{line.actor} invited {_about(line)} to choose a password and sign in{to}"


@renders(AuditKind.INVITATION_CREATED)
def _invited(line: Line) -> str:
    email = line.new.get("email") or "someone"
    return f"{line.actor} invited {email} to join as {as_role(line.new.get('role'))}"


@renders(AuditKind.INVITATION_ACCEPTED)
def _invitation_accepted(line: Line) -> str:
    return f"{line.actor} accepted an invitation to join as {as_role(line.new.get('role'))}"


@renders(AuditKind.JOIN_REQUEST_CREATED)
def _asked_to_join(line: Line) -> str:
    message = line.new.get("message")
    return f"{line.actor} asked to join the hub" + (f": {quote(message)}" if message else "")


@renders(AuditKind.JOIN_REQUEST_APPROVED, AuditKind.JOIN_REQUEST_DECLINED)
def _join_decided(line: Line) -> str:
    verb = "approved" if line.event.event == AuditKind.JOIN_REQUEST_APPROVED else "declined"
    who = line.person or "someone"
    note = line.new.get("note")
    return f"{possessive(who)} request to join was {verb} by {line.actor}" + (
        f": {quote(note)}" if note else ""
    )


# --- API keys -------------------------------------------------------------------------------


def _key_name(line: Line) -> str:
    name = line.subject.name if line.subject else line.new.get("name")
    return f"the API key {quote(name)}" if name else "an API key"


@renders(AuditKind.API_TOKEN_CREATED)
def _key_made(line: Line) -> str:
    return f"{line.actor} made {_key_name(line)}"


@renders(AuditKind.API_TOKEN_REVOKED)
def _key_revoked(line: Line) -> str:
    token = line.subject
    if token and token.person_id != line.event.actor_id:
        return (
            f"{line.actor} switched off {possessive(token.person.display_name)} {_key_name(line)}"
        )
    return f"{line.actor} switched off {_key_name(line)}"


# --- consent and safeguarding checks ---------------------------------------------------------

CONSENT_METHOD_WORDS = {
    ConsentMethod.ONLINE: "online",
    ConsentMethod.PAPER: "on a signed paper form",
    ConsentMethod.PHONE: "by phone",
    ConsentMethod.IN_PERSON: "in person",
}


@renders(AuditKind.CONSENT_GIVEN, AuditKind.CONSENT_WITHDRAWN)
def _consent(line: Line) -> str:
    given = line.event.event == AuditKind.CONSENT_GIVEN
    purpose = line.new.get("purpose")
    to = f": {quote(purpose)}" if purpose else ""
    method = CONSENT_METHOD_WORDS.get(line.new.get("method"), "")
    if line.person:
        what = "consent" if given else "withdrawal of consent"
        how = f" ({method})" if method else ""
        return f"{possessive(line.person)} {what} was recorded{how} by {line.actor}{to}"
    verb = "gave" if given else "withdrew"
    return f"{line.actor} {verb} consent {method}{to}".replace("  ", " ")


def _check_words(values: dict) -> str:
    kind = label_of(CheckType, values.get("check_type"), "safeguarding check")
    until = values.get("expires_on")
    return f"{kind} (valid until {day(until)})" if until else kind


@renders(AuditKind.CHECK_ADDED)
def _check_added(line: Line) -> str:
    who = possessive(line.person or "someone")
    return f"{who} {_check_words(line.new)} was recorded by {line.actor}"


@renders(AuditKind.CHECK_REMOVED)
def _check_removed(line: Line) -> str:
    who = possessive(line.person or "someone")
    reason = line.new.get("reason")
    return f"{line.actor} removed {who} {_check_words(line.old)}" + (
        f": {quote(reason)}" if reason else ""
    )


# --- the hub --------------------------------------------------------------------------------


@renders(AuditKind.HUB_CREATED)
def _hub_created(line: Line) -> str:
    name = line.new.get("name")
    return f"{line.actor} created the hub {quote(name)}" if name else f"{line.actor} created a hub"


@renders(AuditKind.HUB_UPDATED)
def _hub_updated(line: Line) -> str:
    parts = []
    if "name" in line.new:
        parts.append(f"renamed the hub {quote(line.new['name'])}")
    if "purpose" in line.new:
        parts.append("changed what the hub is for")
    if "code_of_conduct" in line.new:
        parts.append("changed the code of conduct")
    if "accepts_join_requests" in line.new:
        parts.append(
            "let people ask to join"
            if line.new["accepts_join_requests"]
            else "made joining by invitation only"
        )
    return f"{line.actor} {listed(parts) or 'changed the hub'}"


@renders(AuditKind.ORGANISATION_CREATED)
def _organisation_created(line: Line) -> str:
    name = line.subject.name if line.subject else line.new.get("name")
    kind = label_of(OrganisationKind, line.new.get("kind"), "")
    words = f"{line.actor} added " + (
        f"the organisation {quote(name)}" if name else "an organisation"
    )
    if kind:
        words += f" ({lower_first(kind)})"
    if line.new.get("is_host"):
        words += ", which hosts the hub"
    return words


@renders(AuditKind.NEIGHBOURHOOD_CREATED)
def _area_created(line: Line) -> str:
    name = line.subject.name if line.subject else line.new.get("name")
    return f"{line.actor} added " + (f"the area {quote(name)}" if name else "an area")
