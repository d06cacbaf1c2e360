from django.contrib.auth import views as auth_views
from django.urls import include, path

from coproduce.api.v1 import api as api_v1
from coproduce.hubs.forms import NewPasswordForm
from coproduce.hubs.views import SignInView, home, password_reset, sign_up

handler403 = "coproduce.web.views.error_403"
handler404 = "coproduce.web.views.error_404"

accounts = [
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-up/", sign_up, name="sign-up"),
    path("password-reset/", password_reset, name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=NewPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include(accounts)),
    path("api/v1/", api_v1.urls),
    path("", include("coproduce.hubs.urls")),
    path("", include("coproduce.notify.urls")),
    path("", include("coproduce.timebank.urls")),
    path("", include("coproduce.deliberation.urls")),
    path("", include("coproduce.referrals.urls")),
    path("", include("coproduce.pledges.urls")),
    path("", include("coproduce.involve.urls")),
    path("", include("coproduce.insight.urls")),
]
