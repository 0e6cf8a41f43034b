"""Compile the studio's `.po` files into the `.mo` files Django reads.

Django's own `compilemessages` needs GNU gettext's `msgfmt`, which a
newcomer's machine may not have; Babel compiles the same catalogues in
pure Python, so `dev.py` runs this at every start and test.
"""

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po into its .mo, where the .po is newer."

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for folder in settings.LOCALE_PATHS:
            for source in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
                target = source.with_suffix(".mo")
                if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
                    continue
                with source.open("rb") as po_file:
                    try:
                        catalog = read_po(po_file, locale=source.parent.parent.name)
                    except Exception as error:  # Babel raises several kinds on a broken file
                        raise CommandError(f"{source}: {error}") from error
                with target.open("wb") as mo_file:
                    # Fuzzy entries are not compiled, as msgfmt leaves them out.
                    write_mo(mo_file, catalog, use_fuzzy=False)
                compiled += 1
        if options["verbosity"] > 1 or compiled:
            self.stdout.write(f"Compiled {compiled} translation catalogue(s).")
