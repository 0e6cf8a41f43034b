"""How the admin and the staff pages write dates in English: one format each.

"Tue 1 Dec 2026, 10:00" for a moment, "1 Dec 2026" for a day, on the
24-hour clock, the same in lists, forms and pages (Django's `date`
filter and `localize` read these). Input formats stay Django's.
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "D j M Y, H:i"
SHORT_DATETIME_FORMAT = "D j M Y, H:i"
TIME_FORMAT = "H:i"
