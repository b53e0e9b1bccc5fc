from django.contrib.auth import views as auth_views
from django.urls import path

from . import report_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/<int:session_id>/", views.session_page, name="session"),
    path("sessions/<int:session_id>/ask/", views.ask, name="ask"),
    path("sessions/<int:session_id>/control/", views.control, name="session-control"),
    path(
        "sessions/<int:session_id>/report/", report_views.session_report_page, name="session-report"
    ),
    path(
        "sessions/<int:session_id>/report/download/",
        report_views.session_report_download,
        name="session-report-download",
    ),
    path(
        "municipalities/<slug:slug>/report/",
        report_views.municipality_report_page,
        name="municipality-report",
    ),
    path(
        "municipalities/<slug:slug>/report/download/",
        report_views.municipality_report_download,
        name="municipality-report-download",
    ),
    path("posts/<int:post_id>/reply/", views.reply, name="reply"),
    path("posts/<int:post_id>/vote/", views.vote, name="vote"),
    path("posts/<int:post_id>/answered/", views.mark_answered, name="mark-answered"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.SignupView.as_view(), name="signup"),
]
