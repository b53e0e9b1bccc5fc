"""Static file storage for production (DJANGO_DEBUG=0)."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed files, with ES module imports rewritten too.

    The live pages import shared modules (`import ... from "./live-socket.js";`); without
    this Django leaves that path unhashed, so a browser would load a stale module next to a
    fresh page script.
    """

    support_js_module_import_aggregation = True
