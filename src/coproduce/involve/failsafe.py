"""The failsafe for involvement: a meeting starting within 72 hours whose confirmed
places fall short of the required mix (a panel with no service user on it) is handed
to named staff, with the people who could cover it: who fit, are free then, and were
least recently asked. Registered with the referrals app's hourly sweep."""

import datetime

from django.urls import reverse
from django.utils import timezone

from coproduce.referrals.escalations import Finding, Sweep
from coproduce.referrals.models import EscalationKind

from . import selectors
from . import shortlist as engine
from .models import OpportunityStatus, Session, SignUpStatus

SHORT_BEFORE = datetime.timedelta(hours=72)


def _short_words(short: dict[str, int]) -> str:
    parts = []
    for side, count in short.items():
        if side == engine.STAFF:
            parts.append(f"{count} staff")
        else:
            parts.append(f"{count} service user{'s' if count != 1 else ''}")
    return " and ".join(parts)


def short_of_mix(sweep: Sweep) -> list[Finding]:
    sessions = Session.objects.filter(
        opportunity__hub=sweep.hub,
        opportunity__status=OpportunityStatus.OPEN,
        cancelled=False,
        starts_at__gt=sweep.now,
        starts_at__lte=sweep.now + SHORT_BEFORE,
    ).select_related("opportunity__lead", "opportunity__hub")
    findings = []
    for session in sessions:
        opportunity = session.opportunity
        confirmed = engine.Held.of(
            opportunity.signups.filter(status=SignUpStatus.CONFIRMED).values_list("side", "invited")
        )
        short = engine.missing(selectors.places_of(opportunity), confirmed)
        if not short:
            continue
        cover = selectors.cover_for(opportunity, session)
        start = timezone.localtime(session.starts_at)
        names = ", ".join(c["person"].display_name for c in cover)
        could = f" Could cover: {names}." if names else " Nobody else fits: widen the search."
        findings.append(
            Finding(
                kind=EscalationKind.INVOLVEMENT_SHORT,
                key=f"involvement:{session.pk}",
                summary=(
                    f"{opportunity} on {start:%-d %B at %H:%M} is short of "
                    f"{_short_words(short)}.{could}"
                ),
                assigned_to=sweep.owner(opportunity.lead),
                about_url=reverse("involve-opportunity", args=[sweep.hub.slug, opportunity.pk]),
            )
        )
    return findings
