"""Townhall's data and its invariants. Workflow lives in services.py, never here."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin


def validate_origins(value: object) -> None:
    """A list of web origins, each exactly scheme://host[:port] (http or https): no path, no *."""
    if not isinstance(value, list):
        raise ValidationError(_("Give the origins as a list."), code="invalid")
    for origin in value:
        if not isinstance(origin, str) or not _is_origin(origin):
            raise ValidationError(
                _("%(value)s is not an origin: write scheme://host[:port], e.g. https://www.x.dk.")
                % {"value": origin if isinstance(origin, str) else repr(origin)},
                code="invalid_origin",
            )


def _is_origin(text: str) -> bool:
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and "*" not in text
        and not parts.username
        and not parts.password
        and text == f"{parts.scheme}://{parts.netloc}"
        # ASCII only: a browser matches frame-ancestors against the punycode (xn--) form.
        and all(c.isascii() and (c.isalnum() or c in "-.[]:") for c in parts.netloc)
    )


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    retention_days = models.PositiveIntegerField(
        _("retention (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Days after a session closes before its citizens are pseudonymised "
            "(manage.py apply_retention). Empty: keep forever."
        ),
    )
    # Origins (scheme://host[:port]) whose pages may frame this municipality's session widget
    # (/embed/sessions/<id>/): the widget's CSP frame-ancestors names exactly these.
    embed_origins = models.JSONField(
        _("origins allowed to embed"),
        default=list,
        blank=True,
        validators=[validate_origins],
        help_text=_(
            'Web sites that may show the live widget, e.g. ["https://www.roskilde.dk"]. '
            "Empty: none."
        ),
    )
    verified_only = models.BooleanField(
        _("only verified citizens take part"),
        default=False,
        help_text=_(
            "Only citizens who signed in with the identity provider (MitID) may ask, reply and "
            "vote. Others still read."
        ),
    )

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


# How long the panel answers in writing after a session ends, unless staff set follow_up_until.
DEFAULT_FOLLOW_UP = timedelta(days=14)


class Session(models.Model):
    """A timed Q&A. Its status follows the clock: see status_at()."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        COLLECTING = "collecting", _("Collecting questions")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

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
    questions_open_at = models.DateTimeField(
        _("questions open at"),
        null=True,
        blank=True,
        help_text=_(
            "From then until the start, citizens ask and upvote (the collecting phase). "
            "Empty: only while live, unless questions are accepted before the start."
        ),
    )
    follow_up_until = models.DateTimeField(
        _("written answers until"),
        null=True,
        blank=True,
        help_text=_(
            "After the end, the panel answers open questions in writing until then. "
            "Empty: 14 days after the end."
        ),
    )
    # Set when staff cancel a scheduled session (services.cancel_session): it stays, as cancelled.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    # The calendar's SEQUENCE: raised by update_session whenever the time moves, so calendar
    # clients replace the event they have (same UID) instead of keeping the old time.
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    # The follow-up end (follow_up_ends_at) whose passing was announced: open questions went
    # out as unanswered then (services.notifications.close_follow_up), once per end.
    unanswered_announced_for = models.DateTimeField(null=True, blank=True, editable=False)
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
            ),
            models.CheckConstraint(
                condition=Q(questions_open_at__isnull=True)
                | Q(questions_open_at__lte=F("starts_at")),
                name="session_questions_open_before_start",
                violation_error_message=_("Questions must open before the session starts."),
            ),
            models.CheckConstraint(
                condition=Q(follow_up_until__isnull=True) | Q(follow_up_until__gte=F("ends_at")),
                name="session_follow_up_after_end",
                violation_error_message=_("Written answers must end after the session ends."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def follow_up_ends_at(self) -> datetime:
        """When written answers end: as staff set it, else DEFAULT_FOLLOW_UP after the end."""
        return self.follow_up_until or self.ends_at + DEFAULT_FOLLOW_UP

    def follow_up_over_at(self, now: datetime) -> bool:
        """True from follow_up_ends_at (inclusive): the panel's answers are in; record closed."""
        return now >= self.follow_up_ends_at

    def answered_later_q(self) -> Q:
        """The questions of this session answered afterwards, as a filter (see fate_of)."""
        return Q(is_answered=True, answered_at__gt=self.ends_at)

    def fate_of(self, *, is_answered: bool, answered_at: datetime | None, now: datetime) -> str:
        """A question's fate (Post.Fate): the one place it is worked out.

        Answered up to ends_at: live (the closing second still counts, as it always has in the
        report); after it: afterwards. Not answered: open until the follow-up period is over,
        then unanswered. answered_later_q() is the same rule as a filter.
        """
        if is_answered:
            if answered_at is not None and answered_at > self.ends_at:
                return Post.Fate.ANSWERED_LATER.value
            return Post.Fate.ANSWERED_LIVE.value
        if self.follow_up_over_at(now):
            return Post.Fate.UNANSWERED.value
        return Post.Fate.OPEN.value

    def status_at(self, now: datetime) -> str:
        """Cancelled once staff cancelled it, whatever the time. Otherwise, before starts_at:
        collecting from questions_open_at (inclusive; from the start of time when
        accepts_questions_early), else scheduled. Live from starts_at (inclusive) to ends_at
        (exclusive); closed after."""
        if self.cancelled_at is not None:
            return self.Status.CANCELLED
        if now < self.starts_at:
            if self.accepts_questions_early or (
                self.questions_open_at is not None and now >= self.questions_open_at
            ):
                return self.Status.COLLECTING
            return self.Status.SCHEDULED
        if now < self.ends_at:
            return self.Status.LIVE
        return self.Status.CLOSED

    def accepts_posts_at(self, now: datetime) -> bool:
        return self.status_at(now) in (self.Status.COLLECTING, self.Status.LIVE)

    @classmethod
    def collecting_q(cls, now: datetime) -> Q:
        """Sessions that take questions before their start at `now`, as a filter (status_at)."""
        return Q(starts_at__gt=now, cancelled_at=None) & (
            Q(accepts_questions_early=True) | Q(questions_open_at__lte=now)
        )


class ModerationReason(models.TextChoices):
    """Why a moderator removed a post or banned a user: a fixed set, so the public tally adds up."""

    OFF_TOPIC = "off_topic", _("off-topic")
    PERSONAL_ATTACK = "personal_attack", _("personal attack")
    HATE_SPEECH = "hate_speech", _("hate speech")
    NAMES_PERSON = "names_person", _("names an employee or private person")
    SPAM = "spam", _("spam")
    OTHER = "other", _("other")


class Post(models.Model):
    """A question (no parent) or a reply to one."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        PENDING = "pending", _("Awaiting approval")
        HIDDEN = "hidden", _("Hidden")
        REJECTED = "rejected", _("Rejected")

    class Fate(models.TextChoices):
        """What became of a question: see Session.fate_of."""

        ANSWERED_LIVE = "answered_live", _("Answered live")
        ANSWERED_LATER = "answered_later", _("Answered afterwards")
        OPEN = "open", _("Open")
        UNANSWERED = "unanswered", _("Not answered")

    class Channel(models.TextChoices):
        """How a question came in: online by its author, or entered by a moderator or staff for
        someone in the room or on the phone (counted under the channel, never as a citizen)."""

        ONLINE = "online", _("Online")
        ROOM = "room", _("Asked in the room")
        PHONE = "phone", _("Asked by phone")

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
    # The question the presenter view shows now: at most one per session (a constraint holds it).
    on_air = models.BooleanField(_("on air"), default=False)
    # When it first went on air: the statistics count questions that were on air.
    first_on_air_at = models.DateTimeField(_("first on air"), null=True, blank=True)
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    # Moderation state: the ModerationAction rows are the history, these the current state.
    flagged = models.BooleanField(
        _("flagged for moderators"),
        default=False,
        help_text=_("Published, but a watched keyword matched: moderators should look at it."),
    )
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    moderation_reason = models.CharField(
        _("reason for removal"), max_length=20, choices=ModerationReason, blank=True
    )
    moderation_note = models.CharField(_("moderator's note"), max_length=500, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, default=Channel.ONLINE)
    # For a room or phone question: the name the asker gave, if any. `author` is then the
    # moderator or staff member who entered it.
    asked_by = models.CharField(_("asked by"), max_length=200, blank=True)
    # A duplicate question merged into another: its replies and votes moved there, it stays
    # readable and shares that question's answered state (so its fate).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["session", "parent", "status"]),
            # Covers the statistics' aggregate queries (sessions/reports.py): they read a
            # session's posts from the index alone, without visiting the table.
            models.Index(
                fields=[
                    "session",
                    "status",
                    "politician",
                    "parent",
                    "author",
                    "created_at",
                    "channel",
                ],
                name="post_report_cover",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=Q(on_air=True), name="one_question_on_air"
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def is_question(self) -> bool:
        return self.parent_id is None

    def fate_at(self, now: datetime) -> str | None:
        """The question's fate at `now` (None for a reply). Reads self.session: load it with
        the post (a reverse lookup, session.posts, sets it without a query)."""
        if self.parent_id is not None:
            return None
        return self.session.fate_of(
            is_answered=self.is_answered, answered_at=self.answered_at, now=now
        )


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


class ModerationAction(models.Model):
    """One entry of the moderation log: who did what to which post or user, why, and when.

    `moderator` is empty for what Townhall did by itself (a watched keyword, enough reports).
    """

    class Action(models.TextChoices):
        HIDE = "hide", _("hidden")
        RESTORE = "restore", _("restored")
        REJECT = "reject", _("rejected")
        APPROVE = "approve", _("approved")
        HOLD = "hold", _("held for review")
        FLAG = "flag", _("flagged")
        BAN = "ban", _("banned")
        UNBAN = "unban", _("ban lifted")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="moderation_actions",
        verbose_name=_("municipality"),
    )
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_actions",
        verbose_name=_("session"),
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moderation_actions_taken",
        verbose_name=_("moderator"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action)
    post = models.ForeignKey(
        Post,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_actions",
        verbose_name=_("post"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_actions_received",
        verbose_name=_("user account"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ModerationReason, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False) | Q(user__isnull=False),
                name="moderation_action_has_a_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.post_id or self.user_id}"


class Ban(models.Model):
    """A user who may read but not post, vote or report in a municipality's sessions."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="bans", verbose_name=_("municipality")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="bans",
        verbose_name=_("user account"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ModerationReason)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bans_given",
        verbose_name=_("banned by"),
    )
    created_at = models.DateTimeField(_("created"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("created_at")),
                name="ban_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality}"

    def is_active_at(self, now: datetime) -> bool:
        return self.lifted_at is None and (self.ends_at is None or now < self.ends_at)

    @classmethod
    def active_q(cls, now: datetime) -> Q:
        """The bans in force at `now`, as a filter."""
        return Q(lifted_at__isnull=True) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class PostReport(models.Model):
    """A citizen's report of a post, with a reason; one per user per post."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="reports", verbose_name=_("post")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="post_reports",
        verbose_name=_("reported by"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ModerationReason)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="one_report_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.reporter_id} → {self.post_id}"


class WatchedKeyword(models.Model):
    """A word or phrase a municipality watches for: a matching post is held or flagged."""

    class Action(models.TextChoices):
        HOLD = "hold", _("hold for review")
        FLAG = "flag", _("publish, flagged for moderators")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="watched_keywords",
        verbose_name=_("municipality"),
    )
    phrase = models.CharField(_("word or phrase"), max_length=100)
    # The phrase as matching sees it (see sessions/services/moderation.normalize); kept unique.
    normalized = models.CharField(max_length=200, editable=False)
    action = models.CharField(_("action"), max_length=10, choices=Action, default=Action.HOLD)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["normalized"]
        verbose_name = _("watched keyword")
        verbose_name_plural = _("watched keywords")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "normalized"],
                name="unique_watched_keyword",
                violation_error_message=_("This municipality already watches that word."),
            )
        ]

    def __str__(self) -> str:
        return self.phrase


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


class PersonalDataAccess(models.Model):
    """Staff looking at or changing a person's account data: who, when, what, whose. Written by
    services (services.audit.record_access), read in the admin, never edited. Bans are logged as
    ModerationAction rows and statistics downloads as ExportLog rows."""

    class Action(models.TextChoices):
        VIEWED_EMAIL = "viewed_email", _("Viewed the e-mail address")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Reset two-factor sign-in")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="personal_data_accesses",
        verbose_name=_("by"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("whose"),
    )
    action = models.CharField(_("action"), max_length=30, choices=Action)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access to personal data")
        verbose_name_plural = _("accesses to personal data")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


def recovery_code_digest(code: str, salt: str, iterations: int) -> str:
    """A recovery code as stored: PBKDF2-SHA256 under its device's salt (one hash per attempt,
    whichever of the codes is typed), so a copy of the database holds no code that signs in."""
    return hashlib.pbkdf2_hmac("sha256", code.encode(), salt.encode(), iterations).hex()


class RecoveryCodes(TimestampMixin, ThrottlingMixin, Device):
    """A person's recovery codes, as a django-otp device: each code signs in once, then is gone.

    Like django-otp's static device, but its codes are stored only as salted hashes
    (RecoveryCode.digest); the codes themselves are shown once, when they are made.
    """

    salt = models.CharField(max_length=32)
    iterations = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token: str) -> bool:
        """django-otp's device interface: True, and the code deleted, if it is one of these."""
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        digest = recovery_code_digest(token, self.salt, self.iterations)
        deleted, _by_model = self.codes.filter(digest=digest).delete()
        if deleted:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment()
        return bool(deleted)


class RecoveryCode(models.Model):
    """One unused recovery code of a RecoveryCodes device, as its digest only."""

    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        # Never the digest: nothing of a code in logs or the admin.
        return f"recovery code {self.pk}"


class IdempotencyKey(models.Model):
    """The first answer to a write sent with an `Idempotency-Key` header, kept so that a retry
    with the same key (the same user, the same action and body) gets that answer again instead of
    a second write. Written and read by services.idempotency only; rows expire (`expires_at`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=255)
    # What the key was first used for ("POST /api/sessions/5/questions/"), and a digest of its
    # input: another action or another body with the same key is refused.
    action = models.CharField(_("action"), max_length=300)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"))
    # The answer's JSON as text, not jsonb: PostgreSQL's jsonb reorders keys, and a replay must
    # be the first answer byte for byte.
    response = models.TextField(_("response"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


class VerifiedIdentity(models.Model):
    """A citizen's identity from the OpenID Connect provider (MitID), linked to one account.

    Holds no personal data of the provider's: the `sub` only as an HMAC keyed by a setting
    (TOWNHALL_IDENTITY_HMAC_KEY), never a CPR number or the provider's name claims.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="verified_identity",
        verbose_name=_("user account"),
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject_hmac = models.CharField(_("subject (HMAC)"), max_length=64)
    assurance_level = models.CharField(_("assurance level"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("first verified"))
    verified_at = models.DateTimeField(_("last verified"))

    class Meta:
        verbose_name = _("verified identity")
        verbose_name_plural = _("verified identities")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject_hmac"], name="verified_identity_one_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} #{self.pk}"


class NotificationSettings(models.Model):
    """How a user wants to hear of their questions: in the site always, by e-mail if opted in,
    in the language they chose when they did."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("user account"),
    )
    email_opt_in = models.BooleanField(_("notify me by e-mail"), default=False)
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user_id}: {'e-mail' if self.email_opt_in else 'site'}"


class Notification(models.Model):
    """One thing a user is told, once: in the site (read or unread) and, when they opted in, by
    e-mail. Written by services.notifications.notify; the e-mail is sent by a task that claims
    the row first (email_state), so two workers never both send it."""

    class Kind(models.TextChoices):
        ANSWERED = "answered", _("Your question was answered")
        MERGED = "merged", _("Your question was merged into another")
        UNANSWERED = "unanswered", _("Your question was not answered")
        # Issue 15: a session the user asked to be reminded of (services.reminders).
        REMINDER = "reminder", _("A session you asked to be reminded of starts soon")
        QUESTIONS_OPEN = "questions_open", _("Questions are open in a session you follow")

    class EmailState(models.TextChoices):
        NONE = "none", _("Not by e-mail")
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user account"),
    )
    kind = models.CharField(_("kind"), max_length=20)
    # What it is about: a question, or a whole session (a reminder).
    post = models.ForeignKey(
        Post,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("question"),
    )
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("session"),
    )
    # What makes it one notification: the same key for the same user is never told twice.
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(_("created"), db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=EmailState, default=EmailState.NONE
    )
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    # When a worker claimed the e-mail (SENDING), or when the next attempt is due (PENDING).
    email_due_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_key")
        ]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["email_state", "email_due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key}"


class Reminder(models.Model):
    """A signed-in citizen's "Remind me" for an upcoming session: an e-mail a set time before it
    starts (TOWNHALL_REMINDER_MINUTES), and one when questions open early. Written and sent by
    services.reminders; the two times record what was sent, so each goes out once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("user account"),
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("session")
    )
    created_at = models.DateTimeField(_("created"))
    # The start the "starts soon" e-mail was sent for: a session moved afterwards gets one more,
    # with its new time.
    reminded_for_start = models.DateTimeField(null=True, blank=True, editable=False)
    # When the "questions are open" e-mail was sent (once per reminder).
    told_questions_open_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["user", "session"], name="one_reminder_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.session_id}"


class Poll(models.Model):
    """A question put to everyone watching a session: options, a scale or words.

    Counts live in PollTally, updated atomically with every ballot; the voters in voter_count.
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Scale")
        WORDS = "words", _("Word cloud")

    class Results(models.TextChoices):
        LIVE = "live", _("Live, to everyone")
        AFTER_VOTE = "after_vote", _("To each voter after they voted")
        AFTER_CLOSE = "after_close", _("After the poll closes")
        STAFF = "staff", _("Only to staff, moderators and the panel")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="polls", verbose_name=_("session")
    )
    question = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.SINGLE)
    max_choices = models.PositiveSmallIntegerField(_("most choices"), null=True, blank=True)
    scale_min = models.SmallIntegerField(_("scale from"), null=True, blank=True)
    scale_max = models.SmallIntegerField(_("scale to"), null=True, blank=True)
    min_label = models.CharField(_("label of the low end"), max_length=60, blank=True)
    max_label = models.CharField(_("label of the high end"), max_length=60, blank=True)
    results = models.CharField(
        _("results shown"), max_length=12, choices=Results, default=Results.LIVE
    )
    secret = models.BooleanField(_("secret"), default=False)
    allow_change = models.BooleanField(_("voters may change their ballot"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    # Voters so far, raised in the ballot's transaction (kept when an account is deleted).
    voter_count = models.PositiveIntegerField(_("voters"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"))
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # People watching signed in when the poll closed (sessions.audience): turnout's base.
    # Null when it could not be counted (Redis away) or the poll closed before it was kept.
    viewers_at_close = models.PositiveIntegerField(
        _("signed-in viewers when closed"), null=True, blank=True
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_min__isnull=True)
                | Q(scale_max__isnull=True)
                | Q(scale_max__gt=F("scale_min")),
                name="poll_scale_rises",
            ),
            # A secret ballot keeps no choice with the voter, so it cannot be changed.
            models.CheckConstraint(
                condition=Q(secret=False) | Q(allow_change=False), name="poll_secret_is_final"
            ),
        ]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="options", verbose_name=_("poll")
    )
    text = models.CharField(_("text"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("poll option")
        verbose_name_plural = _("poll options")
        constraints = [
            models.UniqueConstraint(fields=["poll", "text"], name="unique_poll_option"),
        ]

    def __str__(self) -> str:
        return self.text


class Ballot(models.Model):
    """That a person voted in a poll: one per person per poll, by the database.

    `choices` (the tally keys chosen) is kept only for an open (not secret) poll, so a ballot can
    be changed. A secret poll's ballot holds no choice, and no time: a random id, so neither its
    id nor a timestamp orders it against the counts.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="ballots", verbose_name=_("poll")
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ballots",
        verbose_name=_("voter"),
    )
    choices = models.JSONField(_("choices"), null=True, blank=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(fields=["poll", "voter"], name="one_ballot_per_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.poll_id}"


class PollTally(models.Model):
    """The count of one answer of a poll: an option's id, a scale value or a normalised word.

    Raised and lowered with F() in the ballot's transaction; it names no voter. A word that a
    watched "hold" word matches is counted as held: kept out of the published cloud.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="tallies", verbose_name=_("poll")
    )
    key = models.CharField(_("answer"), max_length=80)
    count = models.PositiveIntegerField(_("count"), default=0)
    held = models.BooleanField(_("held by a watched word"), default=False)

    class Meta:
        verbose_name = _("poll count")
        verbose_name_plural = _("poll counts")
        constraints = [
            models.UniqueConstraint(fields=["poll", "key"], name="unique_poll_tally"),
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}: {self.key} = {self.count}"
