from django.contrib.auth import views as auth_views
from django.urls import path

from . import account_views, moderation_views, report_views, views

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
    path(
        "sessions/<int:session_id>/moderation/",
        moderation_views.moderation_page,
        name="moderation",
    ),
    path("posts/<int:post_id>/report/", moderation_views.report, name="report"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.SignupView.as_view(), name="signup"),
    path("accounts/export/", account_views.export_data, name="account-export"),
    path("accounts/delete/", account_views.delete_account, name="account-delete"),
]
