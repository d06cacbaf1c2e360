from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from coproduce.csv_export import csv_response, hours_decimal, hours_hmm, local_time
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub
from coproduce.idempotency import replayed
from coproduce.views import ALREADY_SAVED, posted_key, render_form, say_saved, submit

from . import access, panels, selectors, services, timesheet
from .forms import (
    ApprovalForm,
    CategoryForm,
    ChestDonateForm,
    ChestGrantForm,
    GroupExchangeForm,
    ListingForm,
    ListingSearchForm,
    LogHoursForm,
    MessageForm,
    PolicyForm,
    ReasonForm,
    RecordExchangeForm,
    ReverseForm,
    TimeSheetForm,
)
from .ledger import policy_for
from .models import (
    Account,
    AccountKind,
    ApprovalKind,
    Exchange,
    ExchangeStatus,
    ListingKind,
    SecondApproval,
    format_minutes,
)


def _member(request, slug):
    """The hub, the visitor's membership (one lookup) and their own account."""
    hub = get_object_or_404(Hub, slug=slug)
    membership = hub_access.require_member(request.user, hub)
    return hub, membership, selectors.account_of(membership)


@login_required
def timebank_home(request, slug):
    hub, membership, account = _member(request, slug)
    search = ListingSearchForm(request.GET or None, categories=hub.categories.all())
    filters = search.cleaned_data if search.is_valid() else {}
    found = selectors.listings(hub, **{k: v for k, v in filters.items() if v})[:50]
    exchanges = selectors.exchanges_for(account)[:20]
    template = (
        "timebank/_listing_results.html"
        if request.headers.get("HX-Request") == "true"
        else "timebank/home.html"
    )
    return render(
        request,
        template,
        {
            "hub": hub,
            "account": account,
            "search": search,
            "listings": found,
            "exchanges": exchanges,
            "my_listings": selectors.my_listings(account)[:20],
            "today": timezone.localdate(),
            "is_coordinator": membership.can_coordinate,
            "user_organisation": membership.organisation_id,
        },
    )


@login_required
def listing_new(request, slug):
    hub, _membership, account = _member(request, slug)
    form = ListingForm(request.POST or None, categories=hub.categories.all())
    listing = submit(
        request,
        form,
        lambda data: services.listing_create(
            actor=request.user, account=account, **{**data, "key": data["key"] or None}
        ),
    )
    if listing:
        say_saved(request, listing, "Your listing is up.")
        return redirect("listing-detail", slug=slug, listing_id=listing.pk)
    return render_form(
        request,
        form,
        title="Offer or ask for help",
        submit_label="Save listing",
        intro="Time banks exchange services, not goods: hours are earned for "
        "time given, never for things.",
        cancel_url=reverse("timebank", args=[slug]),
    )


@login_required
def listing_detail(request, slug, listing_id):
    hub, membership, _account = _member(request, slug)
    listing, rights = access.listing_for(membership, listing_id)
    if request.method == "POST" and request.POST.get("action") == "close":
        if listing.is_active:  # the service says who may (its owner, or a coordinator)
            services.listing_close(actor=request.user, listing=listing)
            messages.success(request, "Closed: nobody can answer it now.")
        else:  # sent twice, or closed meanwhile: the same page
            messages.info(request, "This listing is closed.")
        return redirect("listing-detail", slug=slug, listing_id=listing.pk)
    if request.method == "POST":
        try:
            exchange = services.exchange_propose(
                actor=request.user,
                listing=listing,
                note=request.POST.get("note", "")[:1000],
                key=posted_key(request),
            )
        except ApplicationError as error:
            messages.error(request, error.for_people)
        else:
            say_saved(request, exchange, "Sent. They will be asked to agree.")
            return redirect("exchange-detail", slug=slug, exchange_id=exchange.pk)
    return render(
        request,
        "timebank/listing.html",
        {"hub": hub, "listing": listing, "rights": rights},
    )


def _exchange(request, slug, exchange_id):
    hub = get_object_or_404(Hub, slug=slug)
    membership = hub_access.require_member(request.user, hub)
    exchange, rights = access.exchange_for(membership, exchange_id)
    return hub, exchange, rights


def _request_closable(membership, exchange):
    """The request this exchange answered, when this person may close it as helped."""
    listing = exchange.listing
    if listing is None or listing.kind != ListingKind.REQUEST:
        return None
    return listing if access.listing_rights(membership, listing).close else None


@login_required
def exchange_detail(request, slug, exchange_id):
    hub, exchange, rights = _exchange(request, slug, exchange_id)
    membership = hub_access.membership_of(request.user, hub)
    approvals = (
        list(exchange.approvals.select_related("requested_by", "decided_by"))
        if rights.coordinating
        else []
    )
    return render(
        request,
        "timebank/exchange.html",
        {
            "hub": hub,
            "exchange": exchange,
            "parties": access.exchange_parties(exchange),
            "rights": rights,
            "reversal": selectors.reversal_of(exchange),
            "approvals": approvals,
            "offer_confirm": rights.confirm
            and not (rights.confirm_waits and any(a.is_waiting for a in approvals)),
            "offer_cancel": rights.cancel
            and not (rights.cancel_waits and any(a.is_waiting for a in approvals)),
            "log_form": LogHoursForm(),
            "reason_form": ReasonForm(),
            "reverse_form": ReverseForm(prefix="reverse") if rights.reverse else None,
            "messages_sent": exchange.messages.select_related("author"),
            "message_form": MessageForm() if rights.message else None,
            "close_request": _request_closable(membership, exchange),
            "panels": panels.exchange_panels(membership, exchange),
        },
    )


@login_required
@require_POST
def exchange_reverse(request, slug, exchange_id):
    """A coordinator corrects confirmed hours: the same hours back, with a reason."""
    _hub, exchange, _rights = _exchange(request, slug, exchange_id)
    form = ReverseForm(request.POST, prefix="reverse")
    reversal = submit(
        request,
        form,
        lambda d: services.exchange_reverse(
            actor=request.user,
            exchange=exchange,
            reason=d["reason"],
            key=d["key"] or None,
        ),
    )
    if reversal:
        say_saved(request, reversal, "Reversed: the hours went back, and both stay in the ledger.")
        return redirect("exchange-detail", slug=slug, exchange_id=exchange.pk)
    return render_form(
        request,
        form,
        title=f"Reverse the hours: {exchange.title}",
        submit_label="Reverse the hours",
        cancel_url=reverse("exchange-detail", args=[slug, exchange.pk]),
    )


@login_required
@require_POST
def exchange_action(request, slug, exchange_id, action):
    _hub, exchange, _rights = _exchange(request, slug, exchange_id)
    back = redirect("exchange-detail", slug=slug, exchange_id=exchange.pk)
    if action == "log":
        form = LogHoursForm(request.POST)
        if submit(
            request,
            form,
            lambda d: services.exchange_log_done(
                actor=request.user,
                exchange=exchange,
                minutes=d["total_minutes"],
                done_on=d["done_on"],
            ),
        ):
            messages.success(request, "Hours logged. The other side will be asked to confirm.")
            return back
        return render_form(
            request,
            form,
            title=f"Log the hours: {exchange.title}",
            submit_label="Log hours",
            cancel_url=reverse("exchange-detail", args=[slug, exchange.pk]),
        )
    if action == "message":
        form = MessageForm(request.POST)
        if submit(
            request,
            form,
            lambda d: services.exchange_message_send(
                actor=request.user, exchange=exchange, text=d["text"]
            ),
        ):
            messages.success(request, "Sent. The other side has been told.")
            return redirect(reverse("exchange-detail", args=[slug, exchange.pk]) + "#messages")
        return render_form(
            request,
            form,
            title=f"Write a message: {exchange.title}",
            submit_label="Send the message",
            cancel_url=reverse("exchange-detail", args=[slug, exchange.pk]),
        )
    if action == "dispute":
        form = ReasonForm(request.POST)
        if submit(
            request,
            form,
            lambda d: services.exchange_dispute(
                actor=request.user, exchange=exchange, reason=d["reason"]
            ),
        ):
            messages.success(request, "A coordinator will look at it.")
            return back
        return render_form(
            request,
            form,
            title=f"Something is wrong: {exchange.title}",
            submit_label="Tell the coordinator",
            cancel_url=reverse("exchange-detail", args=[slug, exchange.pk]),
        )
    if action == "close-request":
        listing = _request_closable(hub_access.membership_of(request.user, _hub), exchange)
        if listing is None:
            raise PermissionDenied("Only the person who asked, or a coordinator, closes it.")
        try:
            services.listing_close(actor=request.user, listing=listing, helped_by=exchange)
        except ApplicationError as error:
            messages.error(request, error.for_people)
        else:
            messages.success(request, "The request is closed: help given. Thank you.")
        return back
    actions = {
        "agree": services.exchange_agree,
        "confirm": services.exchange_confirm,
        "cancel": services.exchange_cancel,
    }
    if action not in actions:
        raise Http404
    try:
        done = actions[action](actor=request.user, exchange=exchange)
    except ApplicationError as error:
        messages.error(request, error.for_people)
    else:
        if action == "cancel" and done.status != ExchangeStatus.CANCELLED:
            messages.success(
                request,
                "You are part of this exchange, so a second coordinator must approve "
                "cancelling the hours. They have been asked; nothing changes until then.",
            )
            return back
        if action == "confirm" and done.status != ExchangeStatus.CONFIRMED:
            messages.success(
                request,
                "You are part of this exchange, so a second coordinator must approve the "
                "hours. They have been asked; nothing moves until then.",
            )
            return back
        messages.success(
            request,
            {"agree": "Agreed.", "confirm": "Confirmed: the hours moved.", "cancel": "Cancelled."}[
                action
            ],
        )
    return back


@login_required
def exchange_record(request, slug):
    hub, membership, account = _member(request, slug)
    organisations = (
        Account.objects.filter(hub=hub, kind=AccountKind.ORGANISATION)
        .exclude(pk=account.pk)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    form = RecordExchangeForm(
        request.POST or None, membership=membership, organisations=organisations
    )

    def record(data):
        giver, receiver = (
            (account, data["other"]) if data["direction"] == "gave" else (data["other"], account)
        )
        return services.exchange_record(
            actor=request.user,
            hub=hub,
            giver=giver,
            receiver=receiver,
            title=data["title"],
            minutes=data["total_minutes"],
            done_on=data["done_on"],
            key=f"exchange-page:{request.user.pk}:{data['key']}",
        )

    exchange = submit(request, form, record)
    if exchange:
        say_saved(request, exchange, "Recorded. The other side will be asked to confirm.")
        return redirect("exchange-detail", slug=slug, exchange_id=exchange.pk)
    return render_form(
        request,
        form,
        title="Record help already given",
        submit_label="Record",
        cancel_url=reverse("timebank", args=[slug]),
    )


@login_required
def group_record(request, slug):
    hub = get_object_or_404(Hub, slug=slug)
    form = GroupExchangeForm(
        request.POST or None,
        hub=hub,
        organisations=services.group_payer_accounts(request.user, hub),
        email=hub_access.is_staff(request.user, hub),
    )
    exchange = submit(
        request,
        form,
        lambda d: services.exchange_record_group(
            actor=request.user,
            hub=hub,
            title=d["title"],
            givers=[(account, d["total_minutes"]) for account in d["members"]],
            receivers=[(d["organisation"], d["total_minutes"] * len(d["members"]))],
            done_on=d["done_on"],
            key=d["key"] or None,
        ),
    )
    if exchange:
        say_saved(
            request,
            exchange,
            f"Recorded: {len(form.cleaned_data['members'])} members "
            f"each earned {format_minutes(form.cleaned_data['total_minutes'])}.",
        )
        return redirect("exchange-detail", slug=slug, exchange_id=exchange.pk)
    return render_form(
        request,
        form,
        title="Record a group",
        submit_label="Record the group",
        intro="For workshops, panels and classes: the organisation gives each "
        "member who took part the same time.",
        cancel_url=reverse("timebank", args=[slug]),
    )


def _posted(request, name):
    """The form that was sent, when a page has more than one."""
    return request.POST if request.method == "POST" and request.POST.get("form") == name else None


@login_required
def chest(request, slug):
    """The community chest: anyone gives hours to it; coordinators grant from it."""
    hub, membership, account = _member(request, slug)
    donate = ChestDonateForm(_posted(request, "donate"), prefix="donate")
    grant = None
    if membership.can_coordinate:
        grant = ChestGrantForm(
            _posted(request, "grant"),
            prefix="grant",
            hub=hub,
        )
    done = submit(
        request,
        donate,
        lambda d: services.chest_donate(
            actor=request.user,
            account=account,
            minutes=d["total_minutes"],
            key=f"chest-page:{request.user.pk}:{d['key']}",
        ),
    ) or (
        grant is not None
        and submit(
            request,
            grant,
            lambda d: services.chest_grant(
                actor=request.user,
                account=d["member"],
                minutes=d["total_minutes"],
                reason=d["reason"],
                key=f"chest-page:{request.user.pk}:{d['key']}",
            ),
        )
    )
    if done and replayed(done):
        messages.success(request, ALREADY_SAVED)
        return redirect("chest", slug=slug)
    if done:
        if donate.is_bound:
            given = format_minutes(donate.cleaned_data["total_minutes"])
            messages.success(request, f"Thank you: you gave {given} to the chest.")
        elif isinstance(done, SecondApproval):
            messages.success(
                request,
                f"The hours are for you, so a second coordinator must approve the grant of "
                f"{done.minutes_display}. They have been asked; nothing moves until then.",
            )
        else:
            granted = format_minutes(grant.cleaned_data["total_minutes"])
            messages.success(request, f"Granted {granted} to {grant.cleaned_data['member'].name}.")
        return redirect("chest", slug=slug)
    invalid = bool(donate.errors or (grant is not None and grant.errors))
    return render(
        request,
        "timebank/chest.html",
        {
            "hub": hub,
            "account": account,
            "chest": selectors.chest_of(hub),
            "donate": donate,
            "grant": grant,
            "grants": selectors.chest_grants(hub)[:20] if grant is not None else [],
            "waiting": services.approvals_waiting(hub, kind=ApprovalKind.GRANT)
            if grant is not None
            else [],
        },
        status=400 if invalid else 200,
    )


@login_required
def approval_detail(request, slug, approval_id):
    """A request for a second pair of eyes: what was asked, by whom; the decision."""
    hub = get_object_or_404(Hub, slug=slug)
    membership = hub_access.require_member(request.user, hub)
    approval, rights = access.approval_for(membership, approval_id)
    form = ApprovalForm(request.POST or None) if rights.decide else None
    if request.method == "POST" and form is None:
        raise PermissionDenied(rights.why_not or "A second coordinator decides this.")
    decided = form is not None and submit(
        request,
        form,
        lambda d: services.approval_decide(
            actor=request.user,
            approval=approval,
            approve=d["decision"] == "approve",
            note=d["note"],
        ),
    )
    if decided:
        messages.success(
            request,
            "Approved: the hours moved." if decided.status == "approved" else "Declined.",
        )
        return redirect("approval-detail", slug=slug, approval_id=approval.pk)
    return render(
        request,
        "timebank/approval.html",
        {"hub": hub, "approval": approval, "rights": rights, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def timebank_settings(request, slug):
    """Coordinators set the hub's rules for hours and its list of categories."""
    hub = get_object_or_404(Hub, slug=slug)
    hub_access.require_coordinator(request.user, hub)
    current = policy_for(hub)
    policy = PolicyForm(
        _posted(request, "policy"),
        prefix="policy",
        initial={
            "floor_hours": current.floor_minutes // 60,
            "ceiling_hours": current.ceiling_minutes // 60,
            "limits": "hard" if current.limits_are_hard else "soft",
            "opening_grant_hours": current.opening_grant_minutes // 60,
            "auto_confirm_days": current.auto_confirm_days,
        },
    )
    category = CategoryForm(_posted(request, "category"), prefix="category")
    done = submit(
        request,
        policy,
        lambda d: services.policy_update(
            actor=request.user,
            hub=hub,
            floor_minutes=d["floor_hours"] * 60,
            ceiling_minutes=d["ceiling_hours"] * 60,
            limits_are_hard=d["limits"] == "hard",
            opening_grant_minutes=d["opening_grant_hours"] * 60,
            auto_confirm_days=d["auto_confirm_days"],
        ),
    ) or submit(
        request,
        category,
        lambda d: services.category_create(actor=request.user, hub=hub, name=d["name"]),
    )
    if done:
        messages.success(request, "Saved.")
        return redirect("timebank-settings", slug=slug)
    return render(
        request,
        "timebank/settings.html",
        {
            "hub": hub,
            "policy": policy,
            "category": category,
            "categories": hub.categories.all(),
        },
        status=400 if policy.errors or category.errors else 200,
    )


@login_required
def sheet_import(request, slug):
    """Coordinators type up paper time sheets in a spreadsheet and record them at once."""
    hub = get_object_or_404(Hub, slug=slug)
    hub_access.require_coordinator(request.user, hub)
    if request.GET.get("format") == "example":
        response = HttpResponse(timesheet.EXAMPLE, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="time-sheet-example.csv"'
        return response
    form = TimeSheetForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            recorded = services.exchanges_import_sheet(
                actor=request.user, hub=hub, data=form.cleaned_data["file"].read()
            )
        except ApplicationError as error:
            for problem in error.details.get("problems", [error.message]):
                form.add_error("file", problem)
        else:
            messages.success(
                request,
                f"Recorded {len(recorded.exchange_ids)} exchanges, "
                f"{format_minutes(recorded.minutes)} in all.",
            )
            return redirect("hub-ledger", slug=slug)
    return render(
        request,
        "timebank/sheet_import.html",
        {"hub": hub, "form": form},
        status=400 if form.errors else 200,
    )


def _statement_account(request, hub, membership, own):
    """The member's own account, or the one a coordinator chose (?account=)."""
    chosen = request.GET.get("account", "")
    if not chosen or chosen == str(own.pk):
        return own
    if not chosen.isdigit() or len(chosen) > 12:
        raise Http404("No such account.")
    return access.statement_account_for(membership, int(chosen))


@login_required
def statement(request, slug):
    """A member's statement; coordinators choose anyone's (?account=), and print it to
    post to someone who is not online (?print=1)."""
    hub, membership, own = _member(request, slug)
    account = _statement_account(request, hub, membership, own)
    entries = selectors.statement(account)
    if request.GET.get("format") == "csv":
        return csv_response(
            f"{hub.slug}-statement.csv",
            [
                "Date and time",
                "What",
                "Description",
                "Hours (h:mm)",
                "Hours (decimal)",
                "Minutes",
            ],
            (
                [
                    local_time(e.transfer.created_at),
                    e.transfer.get_kind_display(),
                    e.transfer.memo,
                    hours_hmm(e.signed_minutes),
                    hours_decimal(e.signed_minutes),
                    e.signed_minutes,
                ]
                for e in entries.iterator()
            ),
        )
    printing = request.GET.get("print") == "1"
    return render(
        request,
        "timebank/statement_print.html" if printing else "timebank/statement.html",
        {
            "hub": hub,
            "account": account,
            "own": account.pk == own.pk,
            "entries": entries[:500] if printing else entries[:200],
            "query": f"account={account.pk}&" if account.pk != own.pk else "",
            "may_choose": access.may_see_all_balances(membership),
            "addressee": access.letter_addressee(request.user, membership, account)
            if printing
            else None,
        },
    )


@login_required
def balances(request, slug):
    """Coordinators: every member's balance, sortable, a page at a time, or as a CSV."""
    hub = get_object_or_404(Hub, slug=slug)
    membership = hub_access.require_coordinator(request.user, hub)
    if not access.may_see_all_balances(membership):
        raise PermissionDenied("Coordinators see every member's balance.")
    order = request.GET.get("order", "name")
    if order not in selectors.BALANCE_ORDERS:
        order = "name"
    accounts = selectors.balances(hub, order)
    if request.GET.get("format") == "csv":
        # Every member's balance is prepared by a task (ask on this page).
        return redirect("exports", slug=slug)
    paginator = Paginator(accounts, 50)
    paginator.count = selectors.balances_count(hub)  # counted without the names' joins
    page = paginator.get_page(request.GET.get("page"))
    columns = [
        ("name", "Name"),
        ("balance", "Balance"),
        ("activity", "Last activity"),
    ]
    return render(
        request,
        "timebank/balances.html",
        {
            "hub": hub,
            "page": page,
            "order": order,
            "columns": [
                {
                    "label": label,
                    "key": key,
                    "sorted": order.lstrip("-") == key,
                    "descending": order == f"-{key}",
                    "next": f"-{key}" if order == key else key,
                }
                for key, label in columns
            ],
        },
    )


@login_required
def hub_ledger(request, slug):
    hub = get_object_or_404(Hub, slug=slug)
    hub_access.require_coordinator(request.user, hub)
    if request.GET.get("format") == "csv":
        # The whole ledger is prepared by a task and downloaded from there.
        return redirect("exports", slug=slug)
    today = timezone.localdate()
    month = _month_asked(request.GET.get("month", ""), today)
    months = selectors.month_summaries(hub, month, 12)
    totals = selectors.hub_totals(hub)
    return render(
        request,
        "timebank/hub_ledger.html",
        {
            "hub": hub,
            "totals": totals,
            "hours": format_minutes(totals["minutes_exchanged"]),
            "chest": selectors.chest_of(hub),
            "disputed": Exchange.objects.filter(hub=hub, status=ExchangeStatus.DISPUTED),
            "waiting": services.approvals_waiting(hub),
            "month": months[0],
            "months": months,
            "earlier": selectors.add_months(month, -1).strftime("%Y-%m"),
            "later": selectors.add_months(month, 1).strftime("%Y-%m")
            if selectors.add_months(month, 1) <= today
            else "",
        },
    )


def _month_asked(value: str, today):
    """'2026-11' -> 1 Nov 2026; this month for anything else, or a month to come."""
    import datetime

    try:
        month = datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)
    if month.year < 2000 or month > today:
        return today.replace(day=1)
    return month
