"""What the involvement bank adds to a hub's front page: how many opportunities are open."""

from coproduce.hubs.models import Hub, Membership, Person

from .models import Opportunity, OpportunityStatus


def hub_home_counts(person: Person, hub: Hub, membership: Membership) -> dict:
    return {
        "involvement_open": Opportunity.objects.filter(
            hub=hub, status=OpportunityStatus.OPEN
        ).count()
    }
