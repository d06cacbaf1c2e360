"""Getting in: links to set or reset a password.

Every account with an email can get a working link: a "set your password" link for
people who never had one (brought in by a coordinator, referred, or from a list), a
reset link for the rest. The link is Django's one-time password-reset token, which
stops working once the password changes. At most ACCOUNT_EMAILS_PER_HOUR such emails
go to one address in an hour (hubs.throttle).
"""

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.mail import email_after_commit, email_now
from coproduce.siteurl import site_url

from .. import access, throttle
from ..models import Hub, Person


def password_link(person: Person) -> str:
    """The absolute one-time link at which this person chooses a password."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    return site_url() + path


def _send_link(person: Person, *, hub: Hub | None = None, sender: Person | None = None):
    first_time = not person.has_usable_password()
    # A coordinator's invitation is audited, so it goes once that commits; a link someone
    # asked for changes nothing, so it goes at once.
    send = email_after_commit if sender else email_now
    send(
        to=[person.email],
        subject=(
            f"Choose a password for {hub.name if hub else 'Coproduce'}"
            if first_time
            else "Choose a new password for Coproduce"
        ),
        template="hubs/email/password_link.txt",
        context={
            "person": person,
            "link": password_link(person),
            "first_time": first_time,
            "hub": hub,
            "sender": sender,
        },
    )


def password_link_request(*, email: str) -> None:
    """Someone asks for a link ("Forgotten your password?", or signing up with an address
    that already has an account). Says nothing about whether the address has an account:
    it emails the account when there is one, and does nothing otherwise, or once the
    hour's limit for the address is reached."""
    email = (email or "").strip().lower()
    person = Person.objects.filter(email__iexact=email, is_active=True).first() if email else None
    if person is None or not throttle.account_email_allowed(email):
        return
    _send_link(person)


@transaction.atomic
def password_invitation_send(*, actor: Person, hub: Hub, person: Person) -> None:
    """A coordinator invites a member who has no password yet (someone not online whom
    they have given an email) to choose one and sign in."""
    access.coordinated_hub_with(actor, person, hub)
    if not access.can_invite_to_sign_in(person):
        if not person.email:
            raise ApplicationError(
                f"{person} has no email address. Add one to their profile first.",
                field="email",
            )
        raise PermissionDenied(
            f"{person} already has a password. They can use 'Forgotten your password?' "
            "on the sign-in page."
        )
    if not throttle.account_email_allowed(person.email):
        raise ApplicationError(
            f"{person} has been sent several emails about signing in in the last hour. "
            "Wait an hour before sending another.",
            field="email",
        )
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.PASSWORD_INVITATION_SENT,
        subject=person,
        new={"email": person.email},
    )
    _send_link(person, hub=hub, sender=actor)
