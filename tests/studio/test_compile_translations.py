"""`compile_translations` turns .po files into .mo files without GNU gettext."""

from django.core.management import call_command
from django.utils import translation
from django.utils.translation import trans_real

PO = """msgid ""
msgstr ""
"Language: ru\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && "
"n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"

msgid "one hour"
msgid_plural "%(count)d hours"
msgstr[0] "%(count)d час"
msgstr[1] "%(count)d часа"
msgstr[2] "%(count)d часов"

#, fuzzy
msgid "Not sure yet"
msgstr "Пока не уверены"
"""


def test_a_catalogue_compiles_and_translates_with_russian_plurals(settings, tmp_path):
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text(PO, encoding="utf-8")
    settings.LOCALE_PATHS = [tmp_path]
    # Django caches catalogues per process; this one must be read anew.
    setattr(trans_real, "_translations", {})  # noqa: B010 - private, and untyped

    call_command("compile_translations")

    assert (folder / "django.mo").exists()
    try:
        with translation.override("ru"):
            assert [
                translation.ngettext("one hour", "%(count)d hours", n) % {"count": n}
                for n in (1, 2, 5, 21)
            ] == ["1 час", "2 часа", "5 часов", "21 час"]
            # A fuzzy entry is left out, as msgfmt leaves it out.
            assert translation.gettext("Not sure yet") == "Not sure yet"
    finally:
        setattr(trans_real, "_translations", {})  # noqa: B010 - private, and untyped
