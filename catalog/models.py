"""What the studio sells: massage types over body areas, as bookable offerings."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ResourceKind(models.Model):
    """A kind of room or equipment that an offering takes while it runs.

    The booking app keeps the actual resources (Room 1, the vacuum device);
    an offering that needs a kind takes one free resource of it.
    """

    slug = models.SlugField(unique=True, verbose_name=_("slug"))
    name = models.CharField(max_length=80, verbose_name=pgettext_lazy("a thing's name", "name"))
    description = models.TextField(blank=True, verbose_name=_("description"))

    class Meta:
        verbose_name = _("resource kind")
        verbose_name_plural = _("resource kinds")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BodyArea(models.Model):
    """One of the three areas of the leg a massage works on."""

    slug = models.SlugField(unique=True, verbose_name=_("slug"))
    name = models.CharField(max_length=80, verbose_name=pgettext_lazy("a thing's name", "name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name = _("body area")
        verbose_name_plural = _("body areas")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class HealthQuestion(models.TextChoices):
    """The health questions asked before a massage; the value is the answer's key."""

    VEIN_PROBLEMS = "vein_problems", _("Do you have varicose veins or other vein problems?")
    PREGNANCY = "pregnancy", _("Are you pregnant?")
    RECENT_INJURY = (
        "recent_injury",
        _("Have you had an injury or surgery in the last three months?"),
    )
    SKIN_CONDITION = (
        "skin_condition",
        _("Do you have a skin condition, wound or rash on your legs?"),
    )


class MassageType(models.Model):
    slug = models.SlugField(unique=True, verbose_name=_("slug"))
    name = models.CharField(max_length=120, verbose_name=pgettext_lazy("a thing's name", "name"))
    summary = models.CharField(
        max_length=240, help_text=_("One sentence for the catalog list."), verbose_name=_("summary")
    )
    description = models.TextField(
        help_text=_("What the massage is and how it is done."), verbose_name=_("description")
    )
    benefits = models.TextField(
        blank=True, help_text=_("What it is for, one benefit per line."), verbose_name=_("benefits")
    )
    equipment = models.ManyToManyField(
        ResourceKind,
        blank=True,
        related_name="massage_types",
        help_text=_("Equipment this massage cannot be given without."),
        verbose_name=_("equipment"),
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("massage type")
        verbose_name_plural = _("massage types")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:massage-type", kwargs={"slug": self.slug})

    def benefit_list(self) -> list[str]:
        return [line.strip() for line in self.benefits.splitlines() if line.strip()]


class Offering(models.Model):
    """What a client books: a massage type over some areas, for a time and a price."""

    massage_type = models.ForeignKey(
        MassageType,
        on_delete=models.PROTECT,
        related_name="offerings",
        verbose_name=_("massage type"),
    )
    slug = models.SlugField(unique=True, verbose_name=_("slug"))
    name = models.CharField(max_length=120, verbose_name=pgettext_lazy("a thing's name", "name"))
    areas = models.ManyToManyField(BodyArea, related_name="offerings", verbose_name=_("areas"))
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)],
        verbose_name=_("duration minutes"),
    )
    price = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        verbose_name=_("price"),
    )
    currency = models.CharField(
        max_length=3,
        default=settings.STUDIO_CURRENCY,
        validators=[RegexValidator(r"^[A-Z]{3}\Z", "Use a three-letter ISO 4217 code.")],
        verbose_name=_("currency"),
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(120)],
        help_text=_(
            "Time after the massage, to clean up and air the room, when nothing else is booked."
        ),
        verbose_name=_("buffer minutes"),
    )
    resource_kinds = models.ManyToManyField(
        ResourceKind,
        blank=True,
        related_name="offerings",
        help_text=_("Each booking takes one free resource of every kind chosen here."),
        verbose_name=_("resource kinds"),
    )
    max_people = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_(
            "How many people may have it side by side, each with their own therapist, "
            "in one room that holds them all (2 for a couples massage)."
        ),
        verbose_name=_("people at once"),
    )
    course_sessions = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(30)],
        help_text=_(
            "Sold also as a course of this many sessions at the same time of day "
            "(empty: single visits only)."
        ),
        verbose_name=_("course sessions"),
    )
    course_interval_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Days from one session of the course to the next."),
        verbose_name=_("days between course sessions"),
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["massage_type__position", "position", "duration_minutes"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="catalog_offering_duration_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(buffer_minutes__lte=120),
                name="catalog_offering_buffer_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="catalog_offering_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"),
                name="catalog_offering_currency_iso",
            ),
            models.CheckConstraint(
                condition=models.Q(max_people__gte=1, max_people__lte=4),
                name="catalog_offering_people_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(course_sessions__isnull=True)
                | models.Q(course_sessions__gte=2, course_sessions__lte=30),
                name="catalog_offering_course_sessions_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(course_interval_days__gte=1, course_interval_days__lte=31),
                name="catalog_offering_course_interval_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:massage-type", kwargs={"slug": self.massage_type.slug}) + (
            f"#{self.slug}"
        )

    @property
    def is_course(self) -> bool:
        """Whether the studio sells it as a course of sessions too."""
        return self.course_sessions is not None


class Contraindication(models.Model):
    """A health answer that rules a massage type out, or needs a word first."""

    class Severity(models.TextChoices):
        RULES_OUT = "rules_out", _("Rules the massage out")
        ASK_FIRST = "ask_first", _("Talk to the studio first")

    massage_type = models.ForeignKey(
        MassageType,
        on_delete=models.CASCADE,
        related_name="contraindications",
        verbose_name=_("massage type"),
    )
    question = models.CharField(
        max_length=32, choices=HealthQuestion.choices, verbose_name=_("question")
    )
    severity = models.CharField(max_length=16, choices=Severity.choices, verbose_name=_("severity"))
    explanation = models.CharField(
        max_length=300,
        help_text=_("Shown to the client, in plain words, before they book."),
        verbose_name=_("explanation"),
    )

    class Meta:
        verbose_name = _("contraindication")
        verbose_name_plural = _("contraindications")
        ordering = ["massage_type", "question"]
        constraints = [
            models.UniqueConstraint(
                fields=["massage_type", "question"], name="catalog_contraindication_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.massage_type}: {self.get_question_display()} ({self.get_severity_display()})"
