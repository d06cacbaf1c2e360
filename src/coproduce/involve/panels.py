"""What the involvement bank adds to a hub's front page: how many opportunities are open."""

from coproduce.hubs.models import Hub, Membership, Person

from .models import Opportunity, OpportunityStatus
from .space.models import Phase, Round


def hub_home_counts(person: Person, hub: Hub, membership: Membership) -> dict:
    return {
        "involvement_open": Opportunity.objects.filter(
            hub=hub, status=OpportunityStatus.OPEN
        ).count(),
        # Your Space rounds a member can act in now: ideas to propose, or a vote.
        "space_open": Round.objects.filter(hub=hub, phase__in=[Phase.IDEAS, Phase.VOTE]).count(),
    }
