"""How the admin and the staff pages write dates in Russian: one format each.

"Вт 1 Дек 2026, 10:00" for a moment, "1 Дек 2026" for a day, the same
shape as in English (studio/formats/en/formats.py). Input formats stay
Django's.
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "D j M Y, H:i"
SHORT_DATETIME_FORMAT = "D j M Y, H:i"
TIME_FORMAT = "H:i"
