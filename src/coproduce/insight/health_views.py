"""The health check's pages (rounds, opening one, answering, results side by side) and a
person's own equality monitoring. Views parse, call a service and render; who may do
what is in access.py."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from coproduce.hubs import access as hub_access
from coproduce.views import render_form, say_saved, submit

from . import access, healthcheck, monitoring, report
from .health_forms import AnswersForm, EqualityForm, RoundForm
from .healthcheck_tasks import not_answered
from .models import EqualityAnswers, HealthCheck, HealthCheckResponse
from .services import equality as equality_services
from .services import healthcheck as services

# The trend chart's drawing, in its own units: one row a round, a bar per side.
CHART_WIDTH, LABEL_WIDTH, BAR_HEIGHT, ROW_HEIGHT = 480, 150, 14, 44


def _posted(request):
    return request.POST if request.method == "POST" else None


def _check(hub, pk) -> HealthCheck:
    if not 0 < pk < 2**63:
        raise Http404("No such health check.")
    check = HealthCheck.objects.filter(hub=hub, pk=pk).first()
    if check is None:
        raise Http404("No such health check.")
    check.hub = hub
    return check


def _responses(check_ids) -> dict[int, list[tuple[str, dict]]]:
    found: dict[int, list] = {pk: [] for pk in check_ids}
    rows = HealthCheckResponse.objects.filter(health_check_id__in=list(check_ids))
    for check_id, side, answers in rows.values_list("health_check_id", "side", "answers"):
        found[check_id].append((side, answers))
    return found


def trend_chart(rows: list[dict]) -> dict:
    """Bars of each round's overall mean (1 to 5) per side, for an SVG drawing."""
    scale = (CHART_WIDTH - LABEL_WIDTH - 40) / 5
    bars = []
    for index, row in enumerate(rows):
        top = index * ROW_HEIGHT
        bars.append(
            {
                "title": row["title"],
                "text_y": top + 12,
                "sides": [
                    {
                        "side": side,
                        "y": top + (0 if side == "staff" else BAR_HEIGHT + 2),
                        "width": round((row[side] or 0) * scale, 1),
                        "mean": row[side],
                        "words_x": LABEL_WIDTH + round((row[side] or 0) * scale, 1) + 4,
                        "words_y": top + (11 if side == "staff" else BAR_HEIGHT + 13),
                    }
                    for side in healthcheck.SIDES
                ],
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": max(ROW_HEIGHT, len(rows) * ROW_HEIGHT),
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "bars": bars,
    }


@login_required
def check_list(request, slug):
    hub, membership = access.member_for_health(request.user, slug)
    checks = list(HealthCheck.objects.filter(hub=hub).order_by("opens_on", "id"))
    today = timezone.localdate()
    responses = _responses([c.pk for c in checks])
    mine = set(
        HealthCheckResponse.objects.filter(health_check__hub=hub, person=request.user).values_list(
            "health_check_id", flat=True
        )
    )
    done = [c for c in checks if c.closes_on < today]
    trend = healthcheck.trend([(c.title, responses[c.pk]) for c in done])
    rows = [
        {
            "check": c,
            "open": c.opens_on <= today <= c.closes_on,
            "to_come": c.opens_on > today,
            "answered": c.pk in mine,
            "people": len(responses[c.pk]),
        }
        for c in reversed(checks)
    ]
    return render(
        request,
        "insight/health/list.html",
        {
            "hub": hub,
            "rows": rows,
            "open_round": next((r for r in rows if r["open"]), None),
            "trend": trend,
            "chart": trend_chart(trend),
            "can_open": access.opens_health_checks(membership),
            "small_group": access.SMALL_GROUP,
        },
    )


@login_required
def check_new(request, slug):
    hub, membership = access.member_for_health(request.user, slug)
    if not access.opens_health_checks(membership):
        raise PermissionDenied("Only this hub's coordinators can open a health check.")
    opens, closes = services.suggestion(hub)
    form = RoundForm(_posted(request), initial={"opens_on": opens, "closes_on": closes})
    check = submit(
        request,
        form,
        lambda data: services.round_open(
            actor=request.user,
            hub=hub,
            title=data["title"],
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
            key=data["key"] or None,
        ),
    )
    if check:
        say_saved(request, check, f"The health check {check.title} is open to answers.")
        return redirect("health-check", hub.slug, check.pk)
    return render_form(
        request,
        form,
        title="Open a health check",
        intro="Staff and the people who use the service answer the same short statements; "
        "the results show them side by side. Repeat it every three to six months to see "
        "the trend. The dates suggested are three months after the last round opened.",
        submit_label="Open the round",
        cancel_url=f"/hubs/{hub.slug}/health-check/",
        hub=hub,
    )


def _indicators(hub, check: HealthCheck) -> list[dict]:
    """A few figures from activity over the round's period, read defensively: a figure
    the report does not give is left out."""
    start = check.opens_on - datetime.timedelta(days=90)
    figures = report.build(hub, start, check.closes_on)
    found = []
    headline = (figures.get("equity") or {}).get("headline") or {}
    ratio = headline.get("ratio")
    if isinstance(ratio, int | float):
        found.append(
            {
                "name": "Most deprived areas' share of participation against their share "
                "of the population",
                "value": f"{ratio:.2f}",
                "note": "1.00 is a fair share; below it, under-represented.",
            }
        )
    reciprocity = figures.get("reciprocity") or {}
    share = reciprocity.get("gave_and_received_share")
    if isinstance(share, int | float):
        found.append(
            {
                "name": "Active members who both gave and received help",
                "value": f"{share:.0%}",
                "note": "Give and take in the time bank.",
            }
        )
    active = reciprocity.get("active_share")
    if isinstance(active, int | float):
        found.append(
            {
                "name": "Registered members who were active",
                "value": f"{active:.0%}",
                "note": "At least one exchange in 90 days.",
            }
        )
    conversations = (figures.get("participation") or {}).get("conversations") or {}
    for side in ("staff", "users"):
        people = conversations.get(side) if isinstance(conversations, dict) else None
        if isinstance(people, int):
            found.append(
                {
                    "name": f"{healthcheck.SIDE_NAMES[side]} taking part in conversations",
                    "value": f"{people:,}",
                    "note": "",
                }
            )
    return found


@login_required
def check_detail(request, slug, pk):
    hub, membership = access.member_for_health(request.user, slug)
    check = _check(hub, pk)
    responses = _responses([check.pk])[check.pk]
    result = healthcheck.score(responses)
    coordinating = access.enters_answers_for_others(membership)
    waiting = not_answered(check) if coordinating else []
    mine = HealthCheckResponse.objects.filter(health_check=check, person=request.user).first()
    return render(
        request,
        "insight/health/detail.html",
        {
            "hub": hub,
            "check": check,
            "result": result,
            "side_names": healthcheck.SIDE_NAMES,
            "is_open": services.is_open(check),
            "mine": mine,
            "coordinating": coordinating,
            "waiting": waiting,
            "not_online": [p for p in waiting if not hub_access.manages_own_account(p)],
            "indicators": _indicators(hub, check),
            # What people added, without their names: for coordinators only.
            **(
                access.comments_shown(check)
                if coordinating
                else {"comments": [], "comments_held": False}
            ),
            "small_group": access.SMALL_GROUP,
            "large_gap": healthcheck.LARGE_GAP,
        },
    )


def _answer_page(request, form, hub, check, *, title, intro):
    return render_form(
        request,
        form,
        title=title,
        intro=intro,
        submit_label="Save the answers",
        cancel_url=f"/hubs/{hub.slug}/health-check/{check.pk}/",
        hub=hub,
    )


@login_required
def check_answer(request, slug, pk):
    hub, membership = access.member_for_health(request.user, slug)
    check = _check(hub, pk)
    mine = HealthCheckResponse.objects.filter(health_check=check, person=request.user).first()
    initial = {k: str(v) for k, v in mine.answers.items()} if mine else {}
    if mine:
        initial["comment"] = mine.comment
    form = AnswersForm(_posted(request), initial=initial)
    if not services.is_open(check) and request.method == "GET":
        messages.info(request, "This round is not open for answers now.")
        return redirect("health-check", hub.slug, check.pk)
    saved = submit(
        request,
        form,
        lambda data: services.answer(
            actor=request.user,
            check=check,
            answers=form.answers(),
            comment=data["comment"],
            key=data["key"] or None,
        ),
    )
    if saved:
        say_saved(request, saved, "Thank you: your answers are saved.")
        return redirect("health-check", hub.slug, check.pk)
    side = mine.side if mine else access.health_check_side(membership)
    side = "as staff" if side == "staff" else "as one of the people who use the service"
    return _answer_page(
        request,
        form,
        hub,
        check,
        title=f"Answer the health check: {check.title}",
        intro=f"You answer {side}. Say how far you agree with each "
        "statement about how this hub works. Your answers are only ever shown together "
        "with others', never on their own. You can change them until "
        f"{check.closes_on:%-d %B %Y}.",
    )


@login_required
def check_answer_for(request, slug, pk):
    hub, membership = access.member_for_health(request.user, slug)
    if not access.enters_answers_for_others(membership):
        raise PermissionDenied("Only this hub's coordinators can enter answers for someone.")
    check = _check(hub, pk)
    people = [p for p in not_answered(check) if not hub_access.manages_own_account(p)]
    chosen = request.GET.get("person") if request.method == "GET" else None
    form = AnswersForm(
        _posted(request), people=people, initial={"person": chosen} if chosen else {}
    )
    if request.method == "POST" and "person" in form.fields:
        # Someone whose paper answers were entered already may be corrected.
        entered = HealthCheckResponse.objects.filter(
            health_check=check, entered_by__isnull=False
        ).select_related("person")
        form.fields["person"].choices += [
            (str(r.person_id), r.person.display_name) for r in entered
        ]
    saved = submit(
        request,
        form,
        lambda data: services.answer_for(
            actor=request.user,
            check=check,
            person_id=data["person"],
            answers=form.answers(),
            comment=data["comment"],
            key=data["key"] or None,
        ),
    )
    if saved:
        say_saved(request, saved, f"The answers of {saved.person} are saved.")
        return redirect("health-check", hub.slug, check.pk)
    return _answer_page(
        request,
        form,
        hub,
        check,
        title=f"Enter paper answers: {check.title}",
        intro="For a member who is not online: enter what they answered on paper or told "
        "you. The log records that you entered them on their behalf.",
    )


# --- equality monitoring -------------------------------------------------------------------


@login_required
def equality(request):
    saved = EqualityAnswers.objects.filter(person=request.user).first()
    initial = {q: getattr(saved, q) for q in monitoring.QUESTIONS} if saved else {}
    form = EqualityForm(_posted(request), initial=initial)

    def save(data):
        return equality_services.answers_save(
            person=request.user,
            answers={q: data[q] for q in monitoring.QUESTIONS},
            consent=data["consent"],
        )

    result = submit(request, form, save)
    if result:
        messages.success(request, "Your answers are saved. You can change or delete them here.")
        return redirect("equality")
    status = 400 if request.method == "POST" else 200
    current = []
    if saved:
        for question, (words, _) in monitoring.QUESTIONS.items():
            value = getattr(saved, question)
            shown = dict(_all_answers(question)).get(value, "No answer") if value else "No answer"
            current.append({"question": words, "answer": shown})
    return render(
        request,
        "insight/health/equality.html",
        {"form": form, "saved": saved, "current": current},
        status=status,
    )


def _all_answers(question: str) -> list[tuple[str, str]]:
    if question == "ethnicity":
        rows = [row for _, group in monitoring.ETHNIC_GROUPS for row in group]
        return [*rows, monitoring.PREFER_NOT]
    return list(monitoring.QUESTIONS[question][1].items())


@login_required
@require_POST
def equality_delete(request):
    if equality_services.answers_delete(person=request.user):
        messages.success(request, "Your answers are deleted: nothing of them is kept.")
    else:
        messages.info(request, "You had no answers saved.")
    return redirect("equality")
