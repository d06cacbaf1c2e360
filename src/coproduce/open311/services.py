"""Reports and updates that come in through Open311: checked as the spec asks, then made by
the pledges services (so they are audited and told like any other report or update), with
what the client sent beyond them kept in ReceivedRequest and ReceivedUpdate."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from coproduce.errors import ApplicationError
from coproduce.hubs.models import ApiToken
from coproduce.idempotency import once, owner_of
from coproduce.pledges import access
from coproduce.pledges import services as pledges
from coproduce.pledges.models import PledgeCategory, Report, ReportUpdate, ServicePoint

from . import statuses
from .models import ReceivedRequest, ReceivedUpdate

MEDIA_URL_MAX_LENGTH = 1000
NAME_MAX_LENGTH = 60
PHONE_MAX_LENGTH = 40
CLIENT_ID_MAX_LENGTH = 100
PHONE_CHARACTERS = set("0123456789 +-().")


def _media_url(value: str, field: str = "media_url") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > MEDIA_URL_MAX_LENGTH:
        raise ApplicationError(
            f"Keep the link to {MEDIA_URL_MAX_LENGTH:,} characters.", field=field
        )
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ApplicationError(
            "Give a web address starting http:// or https://.", field=field
        ) from None
    return value


def _contact(email: str, first_name: str, last_name: str, phone: str) -> dict:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ApplicationError("That is not an email address.", field="email") from None
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if len((value or "").strip()) > NAME_MAX_LENGTH:
            raise ApplicationError(f"Keep the name to {NAME_MAX_LENGTH} characters.", field=field)
    phone = (phone or "").strip()
    if len(phone) > PHONE_MAX_LENGTH or not set(phone) <= PHONE_CHARACTERS:
        raise ApplicationError("Give a phone number in digits.", field="phone")
    name = " ".join(part.strip() for part in (first_name, last_name) if part and part.strip())
    return {"contact_name": name, "contact_email": email, "phone": phone}


@transaction.atomic
def open311_request_create(
    *,
    token: ApiToken,
    category: PledgeCategory,
    description: str,
    lat=None,
    long=None,
    address_string: str = "",
    service_point: ServicePoint | None = None,
    attributes: dict | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    media_url: str = "",
    account_id: str = "",
    device_id: str = "",
    key: str | None = None,
) -> Report:
    """A report from an Open311 client holding one of the hub's API keys: from its contact
    (whose name, email and phone are kept for staff and never shown publicly), recorded in
    the audit log as sent by the key's holder. With a `key` (the client's Idempotency-Key),
    the same request sent again returns the first report and records nothing; the same
    key with something else is refused (409)."""
    pledge = category.pledge
    if token.hub_id != pledge.hub_id:
        raise PermissionDenied("This API key is for another hub.")
    sent = {
        "description": description,
        "lat": lat,
        "long": long,
        "address_string": address_string,
        "service_point": service_point,
        "attributes": attributes or {},
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone,
        "media_url": media_url,
        "account_id": account_id,
        "device_id": device_id,
    }
    return once(
        hub_id=pledge.hub_id,
        owner=owner_of(token.person),
        key=key,
        kind="open311_request",
        content={"category": category, **sent},
        action=lambda: _request_create(token=token, category=category, **sent),
    )


def _request_create(*, token: ApiToken, category: PledgeCategory, **sent) -> Report:
    pledge = category.pledge
    if not access.may_report(access.membership(token.person, pledge.hub), pledge):
        raise ApplicationError(
            "This pledge is not published, so it does not take reports yet.",
            field="service_code",
        )
    contact = _contact(sent["email"], sent["first_name"], sent["last_name"], sent["phone"])
    media_url = _media_url(sent["media_url"])
    report = pledges.report_create(
        category=category,
        description=sent["description"],
        address=sent["address_string"],
        service_point=sent["service_point"],
        lat=sent["lat"],
        long=sent["long"],
        attributes=sent["attributes"],
        contact_name=contact["contact_name"],
        contact_email=contact["contact_email"],
        contact_phone=contact["phone"],
        source="open311",
        sent_by=token.person,
    )
    ReceivedRequest.objects.create(
        report=report,
        token=token,
        media_url=media_url,
        phone=contact["phone"],
        account_id=(sent["account_id"] or "").strip()[:CLIENT_ID_MAX_LENGTH],
        device_id=(sent["device_id"] or "").strip()[:CLIENT_ID_MAX_LENGTH],
    )
    return report


@transaction.atomic
def open311_update_create(
    *,
    token: ApiToken,
    report: Report,
    status: str,
    description: str,
    client_update_id: str = "",
    media_url: str = "",
) -> ReportUpdate:
    """A member of staff's update from an Open311 client (FixMyStreet's POST
    servicerequestupdates): the key's owner is its author. The same client update id
    sent again returns the first update and changes nothing."""
    if token.hub_id != report.hub_id:
        raise PermissionDenied("This API key is for another hub.")
    report = Report.objects.select_for_update().get(pk=report.pk)
    client_update_id = (client_update_id or "").strip()
    if len(client_update_id) > CLIENT_ID_MAX_LENGTH:
        raise ApplicationError(
            f"Keep the update id to {CLIENT_ID_MAX_LENGTH} characters.", field="update_id"
        )
    if client_update_id:
        seen = ReceivedUpdate.objects.filter(report=report, client_update_id=client_update_id)
        first = seen.select_related("update").first()
        if first is not None:
            return first.update
    ours = statuses.from_client(status or "", report.status, is_open=report.is_open)
    if ours is None:
        raise ApplicationError(
            f"Give one of: {', '.join(s.upper() for s in statuses.ACCEPTED)}.", field="status"
        )
    media_url = _media_url(media_url)
    # A refused note is the update's `description` to the client (views.endpoint).
    pledges.report_update(actor=token.person, report=report, status=ours, note=description)
    update = ReportUpdate.objects.filter(report=report).order_by("-id").first()
    ReceivedUpdate.objects.create(
        update=update,
        report=report,
        token=token,
        client_update_id=client_update_id,
        media_url=media_url,
    )
    return update
