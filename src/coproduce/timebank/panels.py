"""What other apps add to an exchange's page.

The time bank imports no app above it. An app whose objects lead to exchanges (the
referrals app: a referral's agreed help) registers a function from its
AppConfig.ready(); the exchange page calls each with the viewer's membership and the
exchange, and shows each panel returned: a dict with the `template` to include and
what that template reads.
"""

from collections.abc import Callable

from coproduce.hubs.models import Membership

from .models import Exchange

ExchangePanel = Callable[[Membership, Exchange], dict | None]

_exchange: list[ExchangePanel] = []


def register_exchange_panel(provider: ExchangePanel) -> ExchangePanel:
    """Add `provider` (once) to what an exchange's page shows."""
    if provider not in _exchange:
        _exchange.append(provider)
    return provider


def exchange_panels(membership: Membership, exchange: Exchange) -> list[dict]:
    return [panel for provider in _exchange if (panel := provider(membership, exchange))]
