from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from sessions.api.views import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline <script> for the CSP.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/", include("sessions.api.urls")),
    # Anything else under /api/ answers in JSON, as the API does.
    re_path(r"^api/", api_not_found),
    path("", include("sessions.pages.urls")),
]

# A database outage seen in a middleware: 503 with Retry-After, not a 500 (townhall/outage.py).
handler500 = "townhall.outage.server_error"
