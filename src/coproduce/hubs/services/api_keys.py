"""Keys for the JSON API: each acts as one person in one hub. The secret is shown once;
only its hash is kept."""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError

from .. import access
from ..models import ApiToken, Hub, Person
from .invitations import _token_hash

API_TOKEN_PREFIX = "cp_"  # noqa: S105 (a marker that makes keys easy to spot in leaks)


@transaction.atomic
def api_token_create(*, person: Person, hub: Hub, name: str = "") -> tuple[ApiToken, str]:
    """A key for the JSON API, acting as this person in this hub. Returns it and its secret,
    which is shown once and never stored."""
    access.require_member(person, hub)
    if not person.is_active:
        raise ApplicationError("This account is switched off.", field="email")
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        person=person,
        hub=hub,
        name=name.strip()[:80],
        prefix=secret[:10],
        token_hash=_token_hash(secret),
    )
    audit(
        hub=hub, actor=person, event=AuditKind.API_TOKEN_CREATED, subject=token, new={"name": name}
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Person, token: ApiToken) -> ApiToken:
    if actor.pk != token.person_id and not actor.is_superuser:
        access.require_admin(actor, token.hub)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(hub=token.hub, actor=actor, event=AuditKind.API_TOKEN_REVOKED, subject=token)
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The live key for this secret, if its person is still an active member of its hub."""
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("person", "hub")
        .filter(token_hash=_token_hash(secret), revoked_at__isnull=True, person__is_active=True)
        .first()
    )
    if token is None or access.membership_of(token.person, token.hub) is None:
        return None
    now = timezone.now()
    # Note use at most once a minute, so reading the API does not mean a write per request.
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
