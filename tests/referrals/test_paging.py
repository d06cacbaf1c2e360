"""The referrals and escalations queues come a page at a time in a stable order, on the
pages (50 a page) and in the API (`limit`/`offset`, `{"items", "count"}`): every item once,
none twice, even when many were made at the same moment."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.hubs import services as hubs
from coproduce.referrals.models import Escalation, EscalationKind, Referral

MANY = 57


@pytest.fixture
def crowded(world, scene):
    """57 more referrals and 57 open escalations, all made at the same moment (ties in
    every order by time), given to the staff member."""
    base = scene.referral
    same_moment = timezone.now() - datetime.timedelta(days=3)
    referrals = Referral.objects.bulk_create(
        Referral(
            hub=world.hub,
            person=base.person,
            referred_by=base.referred_by,
            consent=base.consent,
            description=f"Needs a hand ({n})",
            created_at=same_moment,
        )
        for n in range(MANY)
    )
    Escalation.objects.bulk_create(
        Escalation(
            hub=world.hub,
            kind=EscalationKind.UNMATCHED_REFERRAL,
            referral=referral,
            assigned_to=world.staff,
            summary=f"Nobody yet ({n})",
            key=f"k{n}",
            created_at=same_moment,
        )
        for n, referral in enumerate(referrals)
    )
    return referrals


def _linked(html, hub, kind):
    return re.findall(rf'href="/hubs/{hub.slug}/{kind}/(\d+)/"', html)


def test_the_queues_show_fifty_a_page_and_every_item_once(world, crowded, client_for):
    client = client_for(world.coordinator)
    expected = {
        "referrals": Referral.objects.filter(hub=world.hub).count(),
        "escalations": MANY,
    }
    for name, total in expected.items():
        url = reverse(name, args=[world.hub.slug])
        first = client.get(url).content.decode()
        second = client.get(url + "?page=2").content.decode()
        assert f"{total} " in first and "Next page" in first and "Page 1 of 2" in first
        assert "Previous page" in second
        path = reverse(
            "referral" if name == "referrals" else "escalation", args=[world.hub.slug, 1]
        )
        kind = path.split("/")[3]
        seen = _linked(first, world.hub, kind) + _linked(second, world.hub, kind)
        assert len(_linked(first, world.hub, kind)) == 50
        assert len(seen) == len(set(seen)) == total


def test_the_api_lists_page_in_a_stable_order(world, crowded, client):
    key = hubs.api_token_create(person=world.coordinator, hub=world.hub)[1]
    headers = {"Authorization": f"Bearer {key}"}
    for path in ("/api/v1/referrals", "/api/v1/escalations"):
        ids, offset = [], 0
        while True:
            body = client.get(f"{path}?limit=20&offset={offset}", headers=headers).json()
            ids += [item["id"] for item in body["items"]]
            offset += 20
            if offset >= body["count"]:
                break
        assert len(ids) == len(set(ids)) == body["count"] >= MANY
        again = client.get(f"{path}?limit=500", headers=headers).json()["items"]
        assert [item["id"] for item in again] == ids
    too_many = client.get("/api/v1/referrals?limit=501", headers=headers)
    assert too_many.status_code == 422 and "limit" in too_many.content.decode()


def test_the_open_queue_puts_the_urgent_first_then_the_longest_waiting(world, crowded, client_for):
    urgent = crowded[-1]
    Referral.objects.filter(pk=urgent.pk).update(urgency="urgent", created_at=timezone.now())
    page = client_for(world.coordinator).get(reverse("referrals", args=[world.hub.slug]))
    shown = list(page.context["page"])
    assert shown[0] == urgent
    routine = [r for r in shown if r.urgency == "routine"]
    assert routine == sorted(routine, key=lambda r: (r.created_at, r.pk))
