"""Townhall's data and its invariants. Workflow lives in services.py, never here."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Politician(models.Model):
    """A person on a panel. Linked to a user account, they may answer under a verified badge."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="politicians",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=200)
    party = models.CharField(_("party"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True, help_text=_("e.g. Mayor"))
    photo_url = models.URLField(_("photo URL"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="politician_profiles",
        verbose_name=_("user account"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("politician")
        verbose_name_plural = _("politicians")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "user"],
                condition=Q(user__isnull=False),
                name="one_politician_per_user_per_municipality",
                violation_error_message=_(
                    "This user account already belongs to a politician of this municipality."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.party})" if self.party else self.name


class Moderator(models.Model):
    """A user who moderates the sessions of one municipality."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="moderators",
        verbose_name=_("municipality"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="moderator_roles",
        verbose_name=_("user account"),
    )

    class Meta:
        verbose_name = _("moderator")
        verbose_name_plural = _("moderators")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "user"], name="unique_moderator")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality}"


class Session(models.Model):
    """A timed Q&A. Its status follows the clock: see status_at()."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    class ModerationMode(models.TextChoices):
        POST = "post", _("Post-moderation: posts appear at once")
        PRE = "pre", _("Pre-moderation: posts wait for approval")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("municipality"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    politicians = models.ManyToManyField(
        Politician, blank=True, related_name="sessions", verbose_name=_("panel")
    )
    moderation_mode = models.CharField(
        _("moderation"), max_length=10, choices=ModerationMode, default=ModerationMode.POST
    )
    accepts_questions_early = models.BooleanField(
        _("accept questions before the start"), default=False
    )
    # The seq of the newest event in this session's log; bumped under a row lock.
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")), name="session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def status_at(self, now: datetime) -> str:
        """Scheduled before starts_at, live from starts_at (inclusive) to ends_at (exclusive)."""
        if now < self.starts_at:
            return self.Status.SCHEDULED
        if now < self.ends_at:
            return self.Status.LIVE
        return self.Status.CLOSED

    def accepts_posts_at(self, now: datetime) -> bool:
        status = self.status_at(now)
        return status == self.Status.LIVE or (
            status == self.Status.SCHEDULED and self.accepts_questions_early
        )


class Post(models.Model):
    """A question (no parent) or a reply to one."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        PENDING = "pending", _("Awaiting approval")
        HIDDEN = "hidden", _("Hidden")
        REJECTED = "rejected", _("Rejected")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="posts", verbose_name=_("session")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("question replied to"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("author"),
    )
    # Set by the service when the author writes as a politician on the panel; never from input.
    politician = models.ForeignKey(
        Politician,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("politician"),
    )
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PUBLISHED)
    is_answered = models.BooleanField(_("answered"), default=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    vote_count = models.PositiveIntegerField(_("votes"), default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["session", "parent", "status"]),
            # Covers the statistics' aggregate queries (sessions/reports.py): they read a
            # session's posts from the index alone, without visiting the table.
            models.Index(
                fields=["session", "status", "politician", "parent", "author", "created_at"],
                name="post_report_cover",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def is_question(self) -> bool:
        return self.parent_id is None


class Vote(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="votes", verbose_name=_("question")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="votes",
        verbose_name=_("user account"),
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_vote_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.post_id}"


class Event(models.Model):
    """One entry of a session's event log: what live clients receive, stored for replay."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="events", verbose_name=_("session")
    )
    seq = models.PositiveBigIntegerField(_("sequence number"))
    type = models.CharField(_("type"), max_length=40)
    data = models.JSONField(_("data"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="unique_seq_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq} {self.type}"


class ExportLog(models.Model):
    """One download of statistics: who, when, what, in which format. Written by
    services.exports.record_export, never edited."""

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Source(models.TextChoices):
        PAGE = "page", _("Report page")
        API = "api", _("API")
        COMMAND = "command", _("Command line")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="report_exports",
        verbose_name=_("user account"),
    )
    session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="report_exports",
        verbose_name=_("session"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="report_exports",
        verbose_name=_("municipality"),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format)
    pseudonymised = models.BooleanField(_("pseudonymised"), default=False)
    source = models.CharField(_("from"), max_length=10, choices=Source)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("statistics export")
        verbose_name_plural = _("statistics exports")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.format} {self.session_id or ''}"
