from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
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
    path("posts/<int:post_id>/replies/", views.ReplyView.as_view(), name="api-replies"),
    path("posts/<int:post_id>/vote/", views.VoteView.as_view(), name="api-vote"),
    path("posts/<int:post_id>/answered/", views.AnsweredView.as_view(), name="api-answered"),
    path("municipalities/", views.MunicipalityListView.as_view(), name="api-municipalities"),
    path("politicians/", views.PoliticianListView.as_view(), name="api-politicians"),
]
