"""A hub's insight settings: how its hours are valued, whether the public sees a summary,
and the postcode districts it serves. Coordinators only; every change audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Person, postcode_district_validator
from coproduce.idempotency import once, owner_of
from coproduce.timebank.models import Category

from .. import access
from ..models import InsightSettings, Valuation

MOST_PENCE_AN_HOUR = 100_000  # £1,000 an hour: more is a typing slip
FIELDS = ("valuation", "role_rates", "public_summary", "catchment_districts")


def settings_of(hub: Hub) -> InsightSettings:
    """The hub's settings, or the defaults (unsaved) if it has never changed them."""
    found = InsightSettings.objects.filter(hub=hub).first()
    return found if found is not None else InsightSettings(hub=hub)


def _check(hub: Hub, valuation, role_rates: dict, catchment_districts: list) -> None:
    if valuation not in Valuation.values:
        raise ApplicationError("Choose one of the ways to value an hour.", field="valuation")
    known = {str(pk) for pk in Category.objects.filter(hub=hub).values_list("pk", flat=True)}
    for category, pence in role_rates.items():
        if str(category) not in known:
            raise ApplicationError("Give rates for this hub's kinds of help.", field="role_rates")
        if not isinstance(pence, int) or not 0 < pence <= MOST_PENCE_AN_HOUR:
            raise ApplicationError(
                "Each rate must be more than £0 and at most £1,000 an hour.",
                field=f"rate_{category}",
            )
    if valuation == Valuation.ROLE and not role_rates:
        raise ApplicationError(
            "To value the hours by role, give an hourly rate for at least one kind of help.",
            field="valuation",
        )
    for district in catchment_districts:
        try:
            postcode_district_validator(district)
        except ValidationError:
            raise ApplicationError(
                "Write each postcode district like MB1 or SW1A.", field="catchment"
            ) from None


def settings_update(
    *,
    actor: Person,
    hub: Hub,
    valuation: str,
    role_rates: dict[str, int],
    public_summary: bool,
    catchment_districts: list[str],
    key: str | None = None,
) -> InsightSettings:
    """Set the hub's insight settings (its coordinators). Sent again with the same key
    and the same content: the first result, nothing saved twice; with the same key and
    other content (the form sent again after a change of mind): the change is made."""
    if not access.changes_settings(hub_access.membership_of(actor, hub)):
        raise PermissionDenied("Only the hub's coordinators can change its insight settings.")
    role_rates = {str(k): v for k, v in role_rates.items()}
    _check(hub, valuation, role_rates, catchment_districts)
    new = {
        "valuation": valuation,
        "role_rates": role_rates,
        "public_summary": bool(public_summary),
        "catchment_districts": list(catchment_districts),
    }

    def save() -> InsightSettings:
        settings, _ = InsightSettings.objects.select_for_update().get_or_create(hub=hub)
        old = {name: getattr(settings, name) for name in FIELDS}
        changed = [name for name in FIELDS if old[name] != new[name]]
        if not changed:
            return settings
        for name in changed:
            setattr(settings, name, new[name])
        settings.updated_at = timezone.now()
        settings.save()
        audit(
            hub=hub,
            actor=actor,
            event=AuditKind.INSIGHT_SETTINGS_UPDATED,
            subject=settings,
            old={name: old[name] for name in changed},
            new={name: new[name] for name in changed},
        )
        return settings

    with transaction.atomic():
        return once(
            hub_id=hub.pk,
            owner=owner_of(actor),
            key=key,
            kind="insight-settings",
            content=new,
            action=save,
            latest_wins=True,
        )
