"""What the hubs app announces, so that other apps can set up their part of a hub.

The hubs app imports no other app. Its services send these inside their transaction,
after the row is saved; a receiver calls its own app's service (the time bank opens the
hub's chest and the member's account), so if it fails, the whole change rolls back.
"""

from django.dispatch import Signal

# hub=Hub: a hub was created.
hub_created = Signal()
# organisation=Organisation: an organisation joined a hub.
organisation_created = Signal()
# membership=Membership: a person joined a hub, or came back to it.
membership_started = Signal()
# join_request=JoinRequest: someone asked to join a hub (the coordinators are told).
join_requested = Signal()
# join_request=JoinRequest: a coordinator approved or declined it (the person is told).
join_request_decided = Signal()
