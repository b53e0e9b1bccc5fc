from django.urls import path

from .consumers import ModerationConsumer, SessionConsumer

websocket_urlpatterns = [
    path("ws/sessions/<int:session_id>/", SessionConsumer.as_asgi()),
    path("ws/sessions/<int:session_id>/moderation/", ModerationConsumer.as_asgi()),
]
