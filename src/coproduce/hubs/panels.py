"""What other apps add to a hub's front page.

The hubs app imports no other app. An app with something to show there (the referrals
app: offers waiting for an answer, escalations for this person) registers a function
from its AppConfig.ready(); the page calls each with the person, the hub and their
membership, and adds what it returns to the template's context.
"""

from collections.abc import Callable

from .models import Hub, Membership, Person

HubHomeContext = Callable[[Person, Hub, Membership], dict]

_hub_home: list[HubHomeContext] = []


def register_hub_home(provider: HubHomeContext) -> HubHomeContext:
    """Add `provider` (once) to what a member sees on their hub's front page."""
    if provider not in _hub_home:
        _hub_home.append(provider)
    return provider


def hub_home_context(person: Person, hub: Hub, membership: Membership) -> dict:
    context = {}
    for provider in _hub_home:
        context.update(provider(person, hub, membership))
    return context
