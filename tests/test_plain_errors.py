"""Limits on what is typed are said plainly, on every form (coproduce/forms.py)."""

from django.urls import reverse

from coproduce.timebank.models import Listing


def test_a_title_too_long_is_refused_in_plain_words(world, client_for):
    response = client_for(world.member).post(
        reverse("listing-new", args=[world.hub.slug]), {"kind": "offer", "title": "x" * 130}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Use 120 characters or fewer: this has 130." in text
    assert "Ensure this value" not in text
    assert not Listing.objects.exists()


def test_too_many_hours_are_refused_in_plain_words(world, client_for):
    client = client_for(world.member)
    url = reverse("exchange-record", args=[world.hub.slug])
    response = client.post(url, {"direction": "gave", "title": "Lift", "hours": "-1"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Ensure this value" not in text
    assert "or more." in text


def test_characters_that_turn_text_backwards_are_dropped_from_what_is_typed(world, client_for):
    """A title with a right-to-left override would read backwards wherever it is shown,
    and everything after it on the line; Arabic is kept as typed."""
    client = client_for(world.member)
    title = "Lifts \u202eevah I\u202c and \u0645\u0633\u0627\u0639\u062f\u0629"
    response = client.post(
        reverse("listing-new", args=[world.hub.slug]), {"kind": "offer", "title": title}
    )
    assert response.status_code == 302
    saved = Listing.objects.get().title
    assert saved == "Lifts evah I and \u0645\u0633\u0627\u0639\u062f\u0629"


def test_a_password_is_kept_exactly_as_typed(world, client):
    """Direction characters are dropped from what is shown, never from a password."""
    from coproduce.hubs.models import Person

    password = "long enough \u202e secret"
    response = client.post(
        reverse("sign-up"),
        {"display_name": "Ola", "email": "ola@example.org", "password": password},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Person.objects.get(email="ola@example.org").check_password(password)
