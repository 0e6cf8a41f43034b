"""The Russian catalogue is complete, and no word escapes it.

Every entry of `locale/ru/LC_MESSAGES/django.po` has its Russian, none
fuzzy; and `makemessages` run on the code now finds exactly the
entries committed, so a string marked in a template or a module without
its Russian, or a committed entry the code no longer has, fails here.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
IS_CI = os.environ.get("CI", "").lower() == "true"


def entries(path: Path) -> dict[tuple[object, str | None], object]:
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale="ru")
    return {(message.id, message.context): message for message in catalog if message.id}


def test_every_russian_entry_is_translated_and_none_is_fuzzy():
    unfinished = [
        key
        for key, message in entries(CATALOGUE).items()
        if message.fuzzy  # type: ignore[attr-defined]
        or not all(
            message.string  # type: ignore[attr-defined]
            if isinstance(message.string, tuple | list)  # type: ignore[attr-defined]
            else [message.string]  # type: ignore[attr-defined]
        )
    ]

    assert unfinished == []


def test_makemessages_finds_exactly_the_committed_entries(tmp_path):
    if shutil.which("xgettext") is None:
        if IS_CI:
            pytest.fail("makemessages needs GNU gettext's xgettext (apt-get install gettext)")
        pytest.skip("makemessages needs GNU gettext's xgettext (apt-get install gettext)")
    # makemessages writes into the catalogue it finds, so it runs on a copy
    # of the code, and the committed file is left as it is.
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "studio-copy"
    for folder in ["studio", "catalog", "booking", "staff", "payments", "notifications", "locale"]:
        shutil.copytree(root / folder, copy / folder, ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(root / "manage.py", copy / "manage.py")

    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-obsolete", "-v", "0"],
        cwd=copy,
        env={**os.environ, "DEBUG": "1", "STUDIO_VAR_DIR": str(tmp_path / "var")},
        check=True,
    )

    made = copy / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    assert set(entries(made)) == set(entries(CATALOGUE))
