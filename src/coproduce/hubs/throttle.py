"""Limits on guessing passwords and on account emails, counted in Django's cache.

- Sign-in: after SIGNIN_MAX_FAILURES_PER_ACCOUNT failures for one email address, or
  SIGNIN_MAX_FAILURES_PER_CLIENT from one client address, within SIGNIN_WINDOW_MINUTES,
  every attempt (even with the right password) is refused for SIGNIN_LOCKOUT_MINUTES.
- Account emails (set-password and reset links, invitations): at most
  ACCOUNT_EMAILS_PER_HOUR to one address in an hour.
- Reports from people not signed in (pledges that take reports from the public): at most
  PUBLIC_REPORTS_PER_HOUR from one client address in an hour. Each one tells the
  category's staff, so a script could otherwise flood their inboxes.

The counts live in the default cache: per process unless CACHE=database (see
docs/operations.md). Counting is best effort: two requests at the same instant may both
be let through, which does not matter for these limits.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _now() -> float:
    return time.time()


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"throttle:{kind}:{digest}"


def client_address(request) -> str:
    if request is None:
        return ""
    if settings.CLIENT_ADDRESS_FROM_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _signin_keys(email: str, address: str) -> list[tuple[str, int]]:
    keys = []
    if email:
        keys.append((_key("signin-account", email), settings.SIGNIN_MAX_FAILURES_PER_ACCOUNT))
    if address:
        keys.append((_key("signin-client", address), settings.SIGNIN_MAX_FAILURES_PER_CLIENT))
    return keys


def signin_locked_minutes(email: str, address: str) -> int:
    """Minutes until sign-in may be tried again for this account or client; 0 if now."""
    now = _now()
    waits = [
        record["locked_until"] - now
        for key, _limit in _signin_keys(email, address)
        if (record := cache.get(key)) and record.get("locked_until", 0) > now
    ]
    return int(max(waits) // 60) + 1 if waits else 0


def signin_failed(email: str, address: str) -> None:
    now = _now()
    window = settings.SIGNIN_WINDOW_MINUTES * 60
    lockout = settings.SIGNIN_LOCKOUT_MINUTES * 60
    for key, limit in _signin_keys(email, address):
        record = cache.get(key)
        if not record or now - record["start"] > window:
            record = {"start": now, "count": 0, "locked_until": 0}
        record["count"] += 1
        if record["count"] >= limit:
            record["locked_until"] = now + lockout
        cache.set(key, record, timeout=window + lockout)


def signin_succeeded(email: str) -> None:
    """A right password outside a lockout clears the account's count (not the client's)."""
    if email:
        cache.delete(_key("signin-account", email))


def _hourly_allowed(kind: str, value: str, limit: int) -> bool:
    """Count one more of `kind` for `value`; False once the hour's limit is reached."""
    now = _now()
    key = _key(kind, value)
    done = [moment for moment in cache.get(key, []) if now - moment < 3600]
    if len(done) >= limit:
        return False
    cache.set(key, [*done, now], timeout=3600)
    return True


def account_email_allowed(email: str) -> bool:
    """Count one account email to this address; False once the hour's limit is reached."""
    return _hourly_allowed("account-email", email, settings.ACCOUNT_EMAILS_PER_HOUR)


def public_report_allowed(request) -> bool:
    """Count one report from this client, not signed in; False past the hour's limit."""
    limit = settings.PUBLIC_REPORTS_PER_HOUR
    return _hourly_allowed("public-report", client_address(request), limit)
