from django.contrib.auth import views as auth_views
from django.urls import path

from . import (
    accessibility,
    accounts,
    moderation,
    polls,
    presenter,
    records,
    reports,
    sessions,
    two_factor,
)

urlpatterns = [
    path("", sessions.home, name="home"),
    path("accessibility/", accessibility.accessibility_statement, name="accessibility"),
    path("sessions/<int:session_id>/", sessions.session_page, name="session"),
    path("sessions/<int:session_id>/present/", presenter.presenter_page, name="present"),
    path("sessions/<int:session_id>/ask/", sessions.ask, name="ask"),
    path("sessions/<int:session_id>/enter/", sessions.enter_question, name="enter-question"),
    path("sessions/<int:session_id>/control/", sessions.control, name="session-control"),
    path("sessions/<int:session_id>/record/", records.session_record_page, name="session-record"),
    path("sessions/<int:session_id>/report/", reports.session_report_page, name="session-report"),
    path(
        "sessions/<int:session_id>/report/download/",
        reports.session_report_download,
        name="session-report-download",
    ),
    path(
        "municipalities/<slug:slug>/report/",
        reports.municipality_report_page,
        name="municipality-report",
    ),
    path(
        "municipalities/<slug:slug>/report/download/",
        reports.municipality_report_download,
        name="municipality-report-download",
    ),
    path("posts/<int:post_id>/reply/", sessions.reply, name="reply"),
    path("posts/<int:post_id>/vote/", sessions.vote, name="vote"),
    path("posts/<int:post_id>/answered/", sessions.mark_answered, name="mark-answered"),
    path("posts/<int:post_id>/on-air/", sessions.on_air, name="on-air"),
    path(
        "sessions/<int:session_id>/moderation/",
        moderation.moderation_page,
        name="moderation",
    ),
    path("posts/<int:post_id>/report/", moderation.report, name="report"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", two_factor.second_factor, name="two-factor"),
    path("accounts/signup/", sessions.SignupView.as_view(), name="signup"),
    path("accounts/export/", accounts.export_data, name="account-export"),
    path("accounts/delete/", accounts.delete_account, name="account-delete"),
    # Polls (issue 14)
    path("sessions/<int:session_id>/polls/", polls.polls_fragment, name="session-polls"),
    path("sessions/<int:session_id>/polls/new/", polls.create, name="poll-create"),
    path("polls/<int:poll_id>/ballot/", polls.ballot, name="poll-ballot"),
    path("polls/<int:poll_id>/control/", polls.control, name="poll-control"),
]
