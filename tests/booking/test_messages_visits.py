"""Every message about a visit lists all of it, in the visit's language.

A couples visit (two people side by side), a consecutive one (foot, then
hip) and a course of three weekly sessions, each message kind in English
and Russian, read as the client reads them.
"""

from datetime import timedelta

import pytest
from django.utils import translation

from booking.models import Course, Visit
from booking.services import reminders
from notifications.appointments import build_email, build_sms
from notifications.models import Message
from tests.booking.conftest import NOW, TUESDAY, at, reminder_on, visit_of
from tests.factories import appointment_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("russian_catalogue")]

Kind = Message.Kind
NBSP = "\xa0"
MANAGE = "/booking/manage/00000000-0000-0000-0000-00000000000"


@pytest.fixture(autouse=True)
def _studio(settings) -> None:
    settings.STUDIO_NAME = "Studio"
    settings.STUDIO_ADDRESS = "Hauptstraße 1, Berlin"
    settings.STUDIO_PHONE = ""
    settings.STUDIO_BASE_URL = "https://studio.example"


def reminder(visit: Visit, kind: str, *, language: str, channel: str = "email") -> Message:
    """The reminder of `kind` on the visit's lead, for a visit booked in `language`.

    The worker's own language is the other one: the visit's decides.
    """
    Visit.objects.filter(pk=visit.pk).update(language=language)
    return reminder_on(visit, kind, channel)


def email(visit: Visit, kind: str, *, language: str) -> tuple[str, str, str]:
    """The subject, plain text and HTML of the e-mail of `kind`."""
    with translation.override("en" if language == "ru" else "ru"):
        message = build_email(reminder(visit, kind, language=language))
    return str(message.subject), str(message.body), str(message.alternatives[0][0])


def sms(visit: Visit, kind: str, *, language: str) -> str:
    with translation.override("en" if language == "ru" else "ru"):
        return build_sms(reminder(visit, kind, language=language, channel="sms"))


# A couples visit ----------------------------------------------------------------

COUPLES_IN_ENGLISH = """\
What: Classical: foot
When: Tuesday 2 March at 10:00 to 10:30
With: Anna
Price: €35

What: Classical: foot
When: Tuesday 2 March at 10:00 to 10:30
With: Ben
For: Olga Guest
Price: €35

Where: Hauptstraße 1, Berlin
Total: €70
"""

COUPLES_IN_RUSSIAN = f"""\
Что: Классический: стопа
Когда: Вторник, 2 марта, с 10:00 до 10:30
Массажист: Anna
Цена: 35{NBSP}€

Что: Классический: стопа
Когда: Вторник, 2 марта, с 10:00 до 10:30
Массажист: Ben
Для кого: Olga Guest
Цена: 35{NBSP}€

Где: Hauptstraße 1, Berlin
Итого: 70{NBSP}€
"""

SUBJECTS = {
    "en": {
        Kind.CONFIRMATION: "Your massages on Tuesday 2 March at 10:00 are booked · Studio",
        Kind.DAY_BEFORE: "See you tomorrow at 10:00 · Studio",
        Kind.HOURS_BEFORE: "See you today at 10:00 · Studio",
        Kind.CANCELLATION: "Your massages on Tuesday 2 March at 10:00 are cancelled · Studio",
        Kind.RESCHEDULED: "Your massages have moved to Tuesday 2 March at 10:00 · Studio",
    },
    "ru": {
        Kind.CONFIRMATION: "Вы записаны на массажи: Вт, 2 марта, 10:00 · Studio",
        Kind.DAY_BEFORE: "Ждём вас завтра в 10:00 · Studio",
        Kind.HOURS_BEFORE: "Ждём вас сегодня в 10:00 · Studio",
        Kind.CANCELLATION: "Запись на массажи отменена: Вт, 2 марта, 10:00 · Studio",
        Kind.RESCHEDULED: "Массажи перенесены на новое время: Вт, 2 марта, 10:00 · Studio",
    },
}

OPENINGS = {
    "en": {
        Kind.CONFIRMATION: "thank you for booking with Studio. Your massages are confirmed.",
        Kind.DAY_BEFORE: "this is a reminder of your massages tomorrow.",
        Kind.HOURS_BEFORE: "this is a reminder of your massages today.",
        Kind.CANCELLATION: "your massages have been cancelled. We hope to see you another time.",
        Kind.RESCHEDULED: "your massages have been moved to a new time.",
    },
    "ru": {
        Kind.CONFIRMATION: "Спасибо, что записались в Studio. Ваши массажи подтверждены.",
        Kind.DAY_BEFORE: "Напоминаем: завтра у вас массажи.",
        Kind.HOURS_BEFORE: "Напоминаем: сегодня у вас массажи.",
        Kind.CANCELLATION: ("Ваша запись на массажи отменена. Будем рады видеть вас в другой раз."),
        Kind.RESCHEDULED: "Ваша запись на массажи перенесена на новое время.",
    },
}

COUPLES = {"en": COUPLES_IN_ENGLISH, "ru": COUPLES_IN_RUSSIAN}

# The subjects of a course's session, one massage, on Tuesday 16 March.
SINGLE_SUBJECTS = {
    "en": {
        Kind.HOURS_BEFORE: "See you today at 10:00 · Studio",
        Kind.CANCELLATION: "Your massage on Tuesday 16 March at 10:00 is cancelled · Studio",
        Kind.RESCHEDULED: "Your massage has moved to Tuesday 16 March at 10:00 · Studio",
    },
    "ru": {
        Kind.HOURS_BEFORE: "Ждём вас сегодня в 10:00 · Studio",
        Kind.CANCELLATION: "Запись на массаж отменена: Вт, 16 марта, 10:00 · Studio",
        Kind.RESCHEDULED: "Массаж перенесён на новое время: Вт, 16 марта, 10:00 · Studio",
    },
}

# What a Russian message must not have kept from the English one.
ENGLISH = ["Dear ", "What", "When", "With", "For:", "Price", "Total", "massage", "calendar"]


def assert_reads_as_a_visit_in(language: str, kind: Kind, visit: Visit, listing: str) -> str:
    """The e-mail of `kind` says it in `language`, with the visit listed; returns its HTML."""
    subject, text, html = email(visit, kind, language=language)
    assert subject == SUBJECTS[language][kind]
    assert OPENINGS[language][kind] in text
    assert OPENINGS[language][kind] in html
    assert listing in text
    assert f'<html lang="{language}">' in html
    if language == "ru":
        for english in ENGLISH:
            assert english not in text
            assert english not in html
    return html


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("kind", reminders.KINDS)
def test_every_message_of_a_couples_visit_lists_both_people_in_its_language(
    couples_visit, kind, language
):
    html = assert_reads_as_a_visit_in(language, kind, couples_visit, COUPLES[language])

    assert html.count("Olga Guest") == 1


def test_the_couples_confirmation_links_to_the_lead_appointment(couples_visit):
    _, text, html = email(couples_visit, Kind.CONFIRMATION, language="ru")

    link = f"https://studio.example/ru{MANAGE}1/?t={couples_visit.manage_token}"
    assert link in text
    assert f'href="{link}"' in html
    assert "Приложенный файл календаря добавит массажи в ваш календарь." in text


def test_the_couples_cancellation_strikes_out_both_times(couples_visit):
    _, text, html = email(couples_visit, Kind.CANCELLATION, language="en")

    assert html.count("<s>Tuesday 2 March at 10:00 to 10:30</s>") == 2
    assert "The attached calendar file removes the massages from your calendar." in text


@pytest.mark.parametrize(
    ("language", "count_words"),
    [("en", "2 massages booked for Tuesday 2 March at 10:00"), ("ru", "2 массажа, Вт, 2 марта")],
)
def test_the_couples_text_message_stays_short(couples_visit, language, count_words):
    text = sms(couples_visit, Kind.CONFIRMATION, language=language)

    assert count_words in text
    assert "Anna" not in text
    assert "Olga" not in text
    assert text.endswith(f"/{language}{MANAGE}1/?t={couples_visit.manage_token}")


# A consecutive visit --------------------------------------------------------------

CONSECUTIVE = {
    "en": """\
What: Classical: foot
When: Tuesday 2 March at 10:00 to 10:30
With: Anna
Price: €35

What: Vacuum: hip
When: Tuesday 2 March at 10:30 to 11:15
With: Ben
Price: €55

Where: Hauptstraße 1, Berlin
Total: €90
""",
    "ru": f"""\
Что: Классический: стопа
Когда: Вторник, 2 марта, с 10:00 до 10:30
Массажист: Anna
Цена: 35{NBSP}€

Что: Вакуумный: бедро
Когда: Вторник, 2 марта, с 10:30 до 11:15
Массажист: Ben
Цена: 55{NBSP}€

Где: Hauptstraße 1, Berlin
Итого: 90{NBSP}€
""",
}


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("kind", reminders.KINDS)
def test_every_message_of_a_consecutive_visit_lists_both_massages_in_order(
    consecutive_visit, kind, language
):
    html = assert_reads_as_a_visit_in(language, kind, consecutive_visit, CONSECUTIVE[language])

    assert html.index("10:00") < html.index("10:30 to 11:15" if language == "en" else "с 10:30")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Studio: see you today at 10:00 for 2 massages. Manage: "),
        ("ru", "Studio: ждём вас сегодня в 10:00 — 2 массажа. Изменить или отменить: "),
    ],
)
def test_the_hours_before_text_of_a_consecutive_visit_gives_its_first_start(
    consecutive_visit, language, words
):
    assert sms(consecutive_visit, Kind.HOURS_BEFORE, language=language).startswith(words)


@pytest.mark.parametrize(
    ("count", "words"), [(2, "2 массажа"), (5, "5 массажей"), (21, "21 массаж,")]
)
def test_a_russian_text_counts_massages_with_russian_plurals(
    mira, classical, anna, ben, count, words
):
    start_at = at(TUESDAY, "09:00")
    visit = visit_of(mira, start_at, start_at + timedelta(minutes=30 * count))
    for number in range(count):
        appointment_in(
            visit, classical, anna if number % 2 else ben, start_at + timedelta(minutes=30 * number)
        )

    assert words in sms(visit, Kind.CONFIRMATION, language="ru")


# A course ---------------------------------------------------------------------------


def session(course: Course, number: int) -> Visit:
    return course.visits.order_by("start_at")[number - 1]


COURSE_IN_ENGLISH = """\
Session 1 of 3
What: Vacuum: hip
When: Tuesday 2 March at 10:00 to 10:45
With: Anna
Price: €55

Session 2 of 3
What: Vacuum: hip
When: Tuesday 9 March at 10:00 to 10:45
With: Anna
Price: €55

Session 3 of 3
What: Vacuum: hip
When: Tuesday 16 March at 10:00 to 10:45
With: Anna
Price: €55

Where: Hauptstraße 1, Berlin
Total: €165
"""


def test_a_courses_confirmation_lists_every_session(course_of_three):
    subject, text, html = email(session(course_of_three, 1), Kind.CONFIRMATION, language="en")

    assert subject == "Your course of 3 sessions from Tuesday 2 March at 10:00 is booked · Studio"
    assert "thank you for booking with Studio. Your course of 3 sessions is confirmed." in text
    assert COURSE_IN_ENGLISH in text
    assert html.count("Session ") == 3
    assert "The attached calendar file adds the massages to your calendar." in text


def test_a_courses_confirmation_in_russian(course_of_three):
    subject, text, html = email(session(course_of_three, 1), Kind.CONFIRMATION, language="ru")

    assert subject == "Вы записаны на курс из 3 сеансов, первый — Вт, 2 марта, 10:00 · Studio"
    assert "Спасибо, что записались в Studio. Ваш курс из 3 сеансов подтверждён." in text
    assert (
        "Сеанс 2 из 3\nЧто: Вакуумный: бедро\nКогда: Вторник, 9 марта, с 10:00 до 10:45\n" in text
    )
    assert f"Итого: 165{NBSP}€" in text
    assert html.count("Сеанс ") == 3
    for english in ENGLISH:
        assert english not in text
        assert english not in html


@pytest.mark.parametrize(
    ("language", "subject", "heading", "when"),
    [
        (
            "en",
            "See you tomorrow at 10:00: session 2 of 3 · Studio",
            "Session 2 of 3",
            "When: Tuesday 9 March at 10:00 to 10:45",
        ),
        (
            "ru",
            "Ждём вас завтра в 10:00: сеанс 2 из 3 · Studio",
            "Сеанс 2 из 3",
            "Когда: Вторник, 9 марта, с 10:00 до 10:45",
        ),
    ],
)
def test_a_sessions_day_before_reminder_names_which_session_it_is(
    course_of_three, language, subject, heading, when
):
    written_subject, text, _ = email(
        session(course_of_three, 2), Kind.DAY_BEFORE, language=language
    )

    assert written_subject == subject
    assert f"{heading}\n" in text
    assert when in text
    assert "16 " not in text  # the other sessions are not this reminder's


SESSION_THREE = {
    "en": ("Session 3 of 3\n", "When: Tuesday 16 March at 10:00 to 10:45", "9 March"),
    "ru": ("Сеанс 3 из 3\n", "Когда: Вторник, 16 марта, с 10:00 до 10:45", "9 марта"),
}


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("kind", [Kind.HOURS_BEFORE, Kind.CANCELLATION, Kind.RESCHEDULED])
def test_a_sessions_other_messages_describe_that_session_alone(course_of_three, kind, language):
    subject, text, _ = email(session(course_of_three, 3), kind, language=language)
    heading, when, other_session = SESSION_THREE[language]

    assert subject == SINGLE_SUBJECTS[language][kind]
    assert heading in text
    assert when in text
    assert other_session not in text
    assert ("Total" if language == "en" else "Итого") not in text


def test_a_held_courses_confirmation_asks_to_confirm_the_whole_course(course_of_three):
    first = session(course_of_three, 1)
    Visit.objects.filter(pk=first.pk).update(
        status=Visit.Status.HELD, hold_expires_at=first.created_at + timedelta(minutes=30)
    )

    subject, text, _ = email(first, Kind.CONFIRMATION, language="en")

    assert subject == (
        "Please confirm your course of 3 sessions from Tuesday 2 March at 10:00 · Studio"
    )
    assert "Please confirm your booking within 30 minutes" in text
    assert COURSE_IN_ENGLISH in text


def test_a_held_couples_visit_asks_to_confirm_both_massages(couples_visit):
    Visit.objects.filter(pk=couples_visit.pk).update(
        status=Visit.Status.HELD, hold_expires_at=couples_visit.created_at + timedelta(minutes=30)
    )

    subject, text, _ = email(couples_visit, Kind.CONFIRMATION, language="ru")

    assert subject == "Подтвердите запись на массажи: Вт, 2 марта, 10:00 · Studio"
    assert COUPLES_IN_RUSSIAN in text


@pytest.mark.parametrize(
    ("language", "subject", "opening"),
    [
        (
            "en",
            "2 sessions of your course from Tuesday 9 March at 10:00 are cancelled · Studio",
            "2 sessions of your course have been cancelled. We hope to see you another time.",
        ),
        (
            "ru",
            "Отменены 2 сеанса курса, первый — Вт, 9 марта, 10:00 · Studio",
            "Отменены 2 сеанса вашего курса. Будем рады видеть вас в другой раз.",
        ),
    ],
)
def test_the_notice_of_a_cancelled_course_lists_the_sessions_cancelled_with_it(
    course_of_three, language, subject, opening
):
    # As cancel_course leaves them: the sessions to come cancelled at one moment.
    later = course_of_three.visits.filter(start_at__gt=at(TUESDAY, "12:00"))
    later.update(status=Visit.Status.CANCELLED, updated_at=NOW)

    written_subject, text, _ = email(
        session(course_of_three, 2), Kind.CANCELLATION, language=language
    )

    assert written_subject == subject
    assert opening in text
    assert text.count("\n\n" + ("Session" if language == "en" else "Сеанс")) == 2
    assert ("16 March" if language == "en" else "16 марта") in text
    assert ("2 March" if language == "en" else " 2 марта") not in text
