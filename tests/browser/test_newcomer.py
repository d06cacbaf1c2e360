"""The newcomer's story in a real browser: Ron, who was not online, is given an email,
chooses a password on his phone and answers a listing with a message; Sam, who holds it,
finds it in "What's new" and in his email. Then the daily digest, the month-end CSV, a
mail server that is down, and the same pages on a phone and without JavaScript.

axe-core checks every page visited (tests/browser/conftest.py); screenshots of what the
personas see go to /tmp/story/ for a person to look at.
"""

import csv
import datetime
import io
import re
import socket
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from coproduce.notify.models import Delivery, Digest, Kind, Notification, Preference
from coproduce.timebank import services as timebank
from coproduce.timebank import tallies
from coproduce.timebank.models import Exchange, ExchangeMessage, ListingKind, Transfer
from tests.browser.conftest import Visitor

SHOTS = Path(tempfile.gettempdir()) / "story"  # screenshots, for a person to look at
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LONDON = ZoneInfo("Europe/London")


def shot(visitor: Visitor, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    visitor.page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def no_sideways_scroll(visitor: Visitor):
    overflow = visitor.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{visitor.page.url} scrolls sideways by {overflow}px"


def person_at(browser, live_server, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, Visitor(page, live_server.url)


def link_in(message, path_pattern: str) -> str:
    return re.search(rf"https?://\S+?({path_pattern})", message.body).group(1)


def header_count(visitor: Visitor) -> str:
    link = visitor.page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("What's new")
    )
    return " ".join(link.text_content().split())


def test_ron_gets_in_on_his_phone_and_his_message_reaches_sam(
    world, bank, visitor, browser, live_server
):
    timebank.listing_create(
        actor=world.member,
        account=bank.member,
        kind=ListingKind.OFFER,
        title="Lifts to appointments",
    )

    # Grace, the coordinator, on a phone: what Ron is told while he is not online ...
    grace_context, grace = person_at(browser, live_server, **PHONE)
    grace.sign_in("grace@example.org")
    page = grace.visit(f"/hubs/{world.hub.slug}/members/{world.assisted.pk}/")
    page.get_by_role("link", name="What they are told").click()
    grace.check_accessibility()
    no_sideways_scroll(grace)
    assert page.get_by_role("heading", level=1).inner_text() == "What Ron Assisted is told"
    assert page.get_by_label("Hours for them to confirm").input_value() == "now"  # about Ron
    shot(grace, "grace-phone-ron-told")
    page.get_by_role("link", name="Cancel").click()
    grace.check_accessibility()

    # ... then she gives him an email and sends him the link to choose a password.
    page.get_by_role("link", name="Edit profile for them").click()
    grace.check_accessibility()
    page.get_by_label("Email address").fill("ron@example.org")
    page.get_by_role("button", name="Save profile").click()
    grace.check_accessibility()
    page.get_by_role("button", name=re.compile("link to choose a password")).click()
    grace.check_accessibility()
    assert "a link to choose a password" in page.content()
    grace_context.close()

    # Ron, on his phone, opens the link from the email, chooses a password and signs in.
    (invite,) = [m for m in mail.outbox if m.to == ["ron@example.org"]]
    ron_context, ron = person_at(browser, live_server, **PHONE)
    page = ron.visit(link_in(invite, r"/accounts/password-reset/\S+/"))
    shot(ron, "ron-phone-1-choose-password")
    page.get_by_label("New password", exact=True).fill("ron-chooses-a-passphrase")
    page.get_by_label("New password confirmation").fill("ron-chooses-a-passphrase")
    page.get_by_role("button", name="Save new password").click()
    ron.check_accessibility()
    ron.sign_in("ron@example.org", "ron-chooses-a-passphrase")
    no_sideways_scroll(ron)
    shot(ron, "ron-phone-2-signed-in")
    page.get_by_role("link", name="Millbrook Time Bank").first.click()
    ron.check_accessibility()
    assert page.get_by_role("heading", level=1).inner_text() == "Millbrook Time Bank"

    # He asks for Sam's offer, with a message saying where to pick him up.
    page = ron.visit(f"/hubs/{world.hub.slug}/timebank/")
    page.get_by_role("link", name="Lifts to appointments").click()
    ron.check_accessibility()
    page.get_by_label("Message (optional)").fill("Flat 2, Oak Tower, on Saturday")
    page.get_by_role("button", name="Ask for this help").click()
    ron.check_accessibility()
    assert "Sent. They will be asked to agree." in page.content()
    no_sideways_scroll(ron)
    shot(ron, "ron-phone-3-sent")
    (exchange,) = Exchange.objects.filter(hub=world.hub)
    assert exchange.note == "Flat 2, Oak Tower, on Saturday"

    # His own What's new and choices, on the phone: nothing of his own doing.
    page = ron.visit("/whats-new/")
    no_sideways_scroll(ron)
    assert "Nothing yet" in page.content()
    page = ron.visit("/me/notifications/")
    no_sideways_scroll(ron)
    shot(ron, "ron-phone-4-choices")
    ron_context.close()

    # Sam was emailed straight away ...
    (emailed,) = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert emailed.subject == "Ron Assisted answered your listing: Lifts to appointments"
    assert "Flat 2, Oak Tower, on Saturday" in emailed.body
    assert f"/hubs/{world.hub.slug}/timebank/exchanges/{exchange.pk}/" in emailed.body

    # ... and finds it in What's new, counted in the header.
    visitor.sign_in("sam@example.org")
    assert header_count(visitor) == "What's new (1 unread)"
    visitor.page.get_by_role("link", name=re.compile("What's new")).click()
    visitor.check_accessibility()
    page = visitor.page
    item = page.get_by_role("listitem").filter(has_text="Lifts to appointments")
    assert item.get_by_text("New", exact=True).is_visible()
    item.get_by_text("Read it here").click()
    assert item.get_by_text("Flat 2, Oak Tower, on Saturday").is_visible()
    visitor.check_accessibility()  # with the message open
    shot(visitor, "sam-1-whats-new")

    item.get_by_role("button", name=re.compile("Mark as read")).click()
    visitor.check_accessibility()
    assert header_count(visitor) == "What's new"
    assert "Nothing new since you last looked." in page.content()
    shot(visitor, "sam-2-read")

    # The link takes him to the exchange, with Ron's message on it.
    page.get_by_role(
        "link", name="Ron Assisted answered your listing: Lifts to appointments"
    ).click()
    visitor.check_accessibility()
    assert (
        page.get_by_role("region", name="Messages")
        .get_by_text("Flat 2, Oak Tower, on Saturday")
        .is_visible()
    )
    assert page.get_by_role("button", name="Agree").is_visible()


def digest_items(message) -> list[str]:
    """The numbered subjects in a digest email, in order."""
    return re.findall(r"^\d+\. (.+?)(?: \(Millbrook Time Bank\))?$", message.body, re.M)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def test_a_daily_digest_holds_exactly_what_came_in_its_period(world, bank, visitor):
    # Sam chooses, on his profile, a daily email for messages and proposals.
    visitor.sign_in("sam@example.org")
    visitor.visit("/me/")
    visitor.page.get_by_role("link", name="Choose how we tell you").click()
    visitor.check_accessibility()
    visitor.page.get_by_label("Messages and proposals").select_option(label="In a daily email")
    visitor.page.get_by_role("button", name="Save").click()
    visitor.check_accessibility()
    assert "Saved: how we tell you." in visitor.page.content()
    assert Preference.objects.get(person=world.member, kind=Kind.MESSAGE).delivery == "daily"
    # Dr Amir wants his messages daily too; his must never reach Sam's digest.
    Preference.objects.create(person=world.staff, kind=Kind.MESSAGE, delivery=Delivery.DAILY)

    garden = timebank.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Help in the garden"
    )
    timebank.exchange_propose(actor=world.staff, listing=garden, note="Tuesday?")
    timebank.exchange_propose(actor=world.coordinator, listing=garden, note="Or Thursday")
    lift = timebank.listing_create(
        actor=world.staff, account=bank.staff, kind=ListingKind.REQUEST, title="Lift to town"
    )
    timebank.exchange_propose(actor=world.member, listing=lift, note="I can drive")
    # Hours to confirm: Sam left these as "straight away", so they are emailed now.
    timebank.exchange_record(
        actor=world.staff,
        hub=world.hub,
        giver=bank.staff,
        receiver=bank.member,
        title="Flu clinic welcome",
        minutes=60,
    )
    # Only that went at once; the messages wait for the digests.
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["sam@example.org"], "Please confirm 1 h: Flu clinic welcome")
    ]
    mail.outbox.clear()

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    timebank.exchange_propose(actor=world.admin, listing=garden, note="Next week")
    # Helen's came just after tomorrow's 7 am boundary: the digest after, not this one.
    Notification.objects.filter(recipient=world.member, subject__startswith="Helen").update(
        created_at=local(tomorrow, 7, 30)
    )

    call_command("notify", "send-digests", "--at", local(tomorrow, 8).isoformat())
    (digest,) = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert digest.subject == "Your daily summary from Coproduce: 2 updates"
    assert digest_items(digest) == [
        "Dr Amir Staff answered your listing: Help in the garden",
        "Grace Coordinator answered your listing: Help in the garden",
    ]
    assert f"to {tomorrow:%-d %B %Y}, 07:00" in digest.body
    (amirs,) = [m for m in mail.outbox if m.to == ["amir@example.org"]]
    assert digest_items(amirs) == ["Sam Member answered your listing: Lift to town"]
    assert len(mail.outbox) == 2

    # Run again for the same hour: nothing is sent twice.
    mail.outbox.clear()
    call_command("notify", "send-digests", "--at", local(tomorrow, 8, 45).isoformat())
    assert mail.outbox == []

    # The next morning's digest holds Helen's, and only hers.
    day_after = tomorrow + datetime.timedelta(days=1)
    call_command("notify", "send-digests", "--at", local(day_after, 7).isoformat())
    (next_one,) = mail.outbox
    assert digest_items(next_one) == ["Helen Admin answered your listing: Help in the garden"]
    assert Digest.objects.filter(person=world.member).count() == 2

    # The digest's link opens What's new, where all four are, the digested ones included.
    page = visitor.visit(link_in(next_one, r"/whats-new/"))
    items = page.locator("ol.notifications > li")
    assert items.count() == 4
    assert items.filter(has_text="Please confirm 1 h: Flu clinic welcome").count() == 1


def test_the_month_end_ledger_and_balances_open_as_real_dates_and_hours(world, bank, visitor):
    exchange = timebank.exchange_record(
        actor=world.coordinator,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.assisted,
        title="Shopping for Ron",
        minutes=90,
    )
    timebank.exchange_confirm(actor=world.admin, exchange=exchange)
    # Confirmed at 22:45 UTC on the last day of June: 23:45 in Millbrook, still June.
    month_end = datetime.datetime(2026, 6, 30, 22, 45, tzinfo=datetime.UTC)
    Transfer.objects.filter(memo__contains="Shopping for Ron").update(created_at=month_end)
    assert Transfer.objects.filter(created_at=month_end).count() == 1
    # Moved behind the ledger's back, so its kept counts and last activity are recounted,
    # as `coproduce ledger retally` does.
    tallies.rebuild(world.hub.pk)

    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/ledger/?month=2026-06")
    # The whole ledger is prepared by a task (here straight after the request) and
    # downloaded from the exports page, by the coordinator who asked.
    page.get_by_role("link", name="Download the whole ledger (CSV)").click()
    visitor.check_accessibility()
    page.get_by_role("button", name="Prepare the whole ledger as a CSV").click()
    visitor.check_accessibility()
    with page.expect_download() as downloading:
        page.get_by_role("link", name=re.compile("Download millbrook-ledger-")).click()
    download = downloading.value
    assert re.fullmatch(r"millbrook-ledger-\d{4}-\d\d-\d\d\.csv", download.suggested_filename)
    raw = Path(download.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())  # so Excel reads the names as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    shopping = [r for r in rows if r["Description"] and "Shopping for Ron" in r["Description"]]
    # Sam gave the help and earned the hours; Ron received it.
    assert {r["Account"]: r["Hours (h:mm)"] for r in shopping} == {
        "Sam Member": "1:30",
        "Ron Assisted": "-1:30",
    }
    assert {r["Hours (decimal)"] for r in shopping} == {"-1.50", "1.50"}
    for row in rows:
        when = datetime.datetime.strptime(row["Date and time"], "%Y-%m-%d %H:%M")
        assert when.year >= 2026
    assert {r["Date and time"] for r in shopping} == {"2026-06-30 23:45"}

    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/balances/")
    # Every balance, too, is prepared by a task and downloaded from the exports page.
    page.get_by_role("button", name="Prepare every balance as a CSV").click()
    visitor.check_accessibility()
    with page.expect_download() as downloading:
        page.get_by_role("link", name=re.compile("Download millbrook-balances-")).click()
    text = Path(downloading.value.path()).read_text(encoding="utf-8-sig")
    balances = {r["Name"]: r for r in csv.DictReader(io.StringIO(text))}
    ron = balances["Ron Assisted"]
    assert (ron["Balance (h:mm)"], ron["Balance (decimal hours)"]) == ("-1:30", "-1.50")
    assert ron["Last activity"] == "2026-06-30 23:45"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


def test_with_the_mail_server_down_a_message_is_saved_once_and_the_page_says_so(
    world, bank, visitor, settings, caplog
):
    garden = timebank.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Help in the garden"
    )
    exchange = timebank.exchange_propose(actor=world.staff, listing=garden)
    mail.outbox.clear()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }
    visitor.sign_in("sam@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/exchanges/{exchange.pk}/")
    page.get_by_label("Message to the other side").fill("Saturday at ten suits me")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Send the message").click()
    visitor.check_accessibility()
    assert posted.value.status == 302
    assert page.get_by_role("status").inner_text() == "Sent. The other side has been told."
    assert (
        page.get_by_role("region", name="Messages")
        .get_by_text("Saturday at ten suits me")
        .is_visible()
    )
    assert ExchangeMessage.objects.filter(exchange=exchange).count() == 1
    assert Notification.objects.filter(
        recipient=world.staff, subject="A message about Help in the garden"
    ).exists()
    assert mail.outbox == []
    assert "giving up" in caplog.text  # logged for the operator, never shown to Sam


def test_on_a_phone_and_without_javascript_whats_new_and_the_choices_work(
    world, bank, browser, live_server
):
    # Ron, not online, holds a listing; Sam answers it, so the coordinators pass it on.
    stories = timebank.listing_create(
        actor=world.coordinator,
        account=bank.assisted,
        kind=ListingKind.OFFER,
        title="Stories of the old mill",
    )
    timebank.exchange_propose(actor=world.member, listing=stories, note="For the school, Friday")
    subject = "For Ron Assisted: Sam Member answered your listing: Stories of the old mill"

    # Grace on a phone: her What's new, her choices and Ron's, all checked by axe.
    phone_context, grace = person_at(browser, live_server, **PHONE)
    grace.sign_in("grace@example.org")
    page = grace.visit("/whats-new/")
    no_sideways_scroll(grace)
    item = page.get_by_role("listitem").filter(has_text=subject)
    assert item.get_by_text("for Ron Assisted, to pass on").is_visible()
    item.get_by_text("Read it here").click()
    assert item.get_by_text(re.compile(r"Please pass it on \(.*phone 01632 960 101\)")).is_visible()
    grace.check_accessibility()
    shot(grace, "grace-phone-pass-on")
    for path in ["/me/notifications/", f"/hubs/{world.hub.slug}/members/{world.assisted.pk}/"]:
        grace.visit(path)
        no_sideways_scroll(grace)
    phone_context.close()

    # Without JavaScript: mark everything read, and choose what is passed on to Ron.
    context = browser.new_context(java_script_enabled=False)
    grace = Visitor(context.new_page(), live_server.url, javascript=False)
    grace.sign_in("grace@example.org")
    assert header_count(grace) == "What's new (1 unread)"
    page = grace.visit("/whats-new/")
    page.get_by_role("button", name="Mark all as read").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "Marked 1 as read."
    assert header_count(grace) == "What's new"
    assert not Notification.objects.filter(recipient=world.coordinator, read_at=None).exists()

    page = grace.visit(f"/hubs/{world.hub.slug}/members/{world.assisted.pk}/notifications/")
    page.get_by_label("Rota gaps and changes").select_option(label="Do not pass it on")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "Saved: what they are told."
    assert page.get_by_role("heading", level=1).inner_text() == "Ron Assisted"
    assert Preference.objects.get(person=world.assisted, kind=Kind.ROTA).delivery == "never"

    page = grace.visit("/me/notifications/")
    page.get_by_label("Project news").select_option(label="In a weekly email")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "Saved: how we tell you."
    assert Preference.objects.get(person=world.coordinator, kind=Kind.PROJECT).delivery == "weekly"
    context.close()


def test_a_double_sent_record_form_records_the_help_once(world, bank, visitor):
    """Two posts of the same form (the same key) racing each other: one exchange, one
    email to confirm, and both answered with the same page."""
    visitor.sign_in("sam@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/exchanges/record/")
    page.get_by_label("I gave the help").check()
    visitor.pick("The other person", "Dr Amir Staff")
    page.get_by_label("What was the help?").fill("Lift to the clinic")
    page.get_by_label("Hours").fill("1")
    mail.outbox.clear()
    landed = page.evaluate(
        """async () => {
            const form = document.querySelector("main form[method=post]");
            const send = () => fetch(form.action || location.href, {
                method: "POST", body: new FormData(form), credentials: "same-origin",
            }).then(response => [response.status, new URL(response.url).pathname]);
            return Promise.all([send(), send()]);
        }"""
    )
    (exchange,) = Exchange.objects.filter(hub=world.hub)
    page_of_it = f"/hubs/{world.hub.slug}/timebank/exchanges/{exchange.pk}/"
    assert landed == [[200, page_of_it], [200, page_of_it]]
    assert [m.subject for m in mail.outbox] == ["Please confirm 1 h: Lift to the clinic"]
    assert Notification.objects.filter(recipient=world.staff).count() == 1
