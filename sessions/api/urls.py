from django.urls import path

from . import (
    duplicates,
    moderation,
    oembed,
    on_air,
    polls,
    records,
    reminders,
    reports,
    tokens,
    views,
)

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", tokens.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<str:token_key>/", tokens.TokenDetailView.as_view(), name="api-token-detail"),
    path("sessions/", views.SessionListView.as_view(), name="api-sessions"),
    path("sessions/<int:session_id>/", views.SessionDetailView.as_view(), name="api-session"),
    path(
        "sessions/<int:session_id>/questions/",
        views.QuestionListView.as_view(),
        name="api-questions",
    ),
    path(
        "sessions/<int:session_id>/open/",
        views.SessionControlView.as_view(action="open"),
        name="api-session-open",
    ),
    path(
        "sessions/<int:session_id>/extend/",
        views.SessionControlView.as_view(action="extend"),
        name="api-session-extend",
    ),
    path(
        "sessions/<int:session_id>/close/",
        views.SessionControlView.as_view(action="close"),
        name="api-session-close",
    ),
    path(
        "sessions/<int:session_id>/cancel/",
        views.SessionControlView.as_view(action="cancel"),
        name="api-session-cancel",
    ),
    path(
        "sessions/<int:session_id>/reminder/",
        reminders.ReminderView.as_view(),
        name="api-session-reminder",
    ),
    path(
        "sessions/<int:session_id>/report/",
        reports.SessionReportView.as_view(),
        name="api-session-report",
    ),
    path(
        "sessions/<int:session_id>/record/",
        records.SessionRecordView.as_view(),
        name="api-session-record",
    ),
    path(
        "sessions/<int:session_id>/similar/",
        duplicates.SimilarView.as_view(),
        name="api-session-similar",
    ),
    path("oembed/", oembed.OEmbedView.as_view(), name="api-oembed"),
    path("posts/<int:post_id>/merge/", duplicates.MergeView.as_view(), name="api-merge"),
    path("posts/<int:post_id>/replies/", views.ReplyView.as_view(), name="api-replies"),
    path("posts/<int:post_id>/vote/", views.VoteView.as_view(), name="api-vote"),
    path("posts/<int:post_id>/answered/", views.AnsweredView.as_view(), name="api-answered"),
    path("posts/<int:post_id>/on-air/", on_air.OnAirView.as_view(), name="api-on-air"),
    path("municipalities/", views.MunicipalityListView.as_view(), name="api-municipalities"),
    path(
        "municipalities/<int:municipality_id>/",
        views.MunicipalityDetailView.as_view(),
        name="api-municipality",
    ),
    path("politicians/", views.PoliticianListView.as_view(), name="api-politicians"),
    # Moderation (issue 7)
    path("posts/<int:post_id>/moderate/", moderation.ModerateView.as_view(), name="api-moderate"),
    path("posts/<int:post_id>/report/", moderation.ReportView.as_view(), name="api-post-report"),
    path(
        "sessions/<int:session_id>/moderation/",
        moderation.SessionModerationView.as_view(),
        name="api-session-moderation",
    ),
    path(
        "municipalities/<int:municipality_id>/bans/",
        moderation.BanListView.as_view(),
        name="api-bans",
    ),
    path("bans/<int:ban_id>/", moderation.BanDetailView.as_view(), name="api-ban"),
    path(
        "municipalities/<int:municipality_id>/keywords/",
        moderation.KeywordListView.as_view(),
        name="api-keywords",
    ),
    path("keywords/<int:keyword_id>/", moderation.KeywordDetailView.as_view(), name="api-keyword"),
    # Polls (issue 14)
    path(
        "sessions/<int:session_id>/polls/",
        polls.SessionPollsView.as_view(),
        name="api-session-polls",
    ),
    path(
        "polls/<int:poll_id>/open/",
        polls.PollControlView.as_view(action="open"),
        name="api-poll-open",
    ),
    path(
        "polls/<int:poll_id>/close/",
        polls.PollControlView.as_view(action="close"),
        name="api-poll-close",
    ),
    path("polls/<int:poll_id>/ballot/", polls.BallotView.as_view(), name="api-poll-ballot"),
    path("polls/<int:poll_id>/results/", polls.PollResultsView.as_view(), name="api-poll-results"),
]
