"""Browser tests: Debian's headless Chromium, driven by Playwright, against the live server.

Playwright's own browser download cannot work here, so the tests launch
the system's Chromium. Outside CI a machine without it skips them,
saying why; under CI=true a missing Chromium fails them, since nothing
may silently skip there.

The live server commits for real, so the tests are transactional: Django
empties the database after each, and `serialized_rollback` puts back
what the data migrations wrote (the catalog, its health rules) before
each. Each step's screenshot goes to tests/artifacts/e2e/ (git-ignored).
"""

import re
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from booking.models import Therapist
from tests.conftest import IS_CI
from tests.factories import TherapistFactory, give_hours, rooms

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium reaches for the
# internet, which is closed here, and waits for it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "e2e"
PHONE: ViewportSize = {"width": 375, "height": 812}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True, scope="module")
def _migrated_data(migrated_data_around_module: None) -> None:
    """The catalog and health rules before each test and after the last (tests/conftest.py)."""


@pytest.fixture
def browser(transactional_db) -> Iterator[Browser]:
    """A fresh Chromium for one test, started once the test's database is ready.

    Playwright's sync API keeps an event loop running in this thread.
    Django refuses database work in such a thread unless told it is safe
    (the tests' own queries are synchronous, so it is), and it gives the
    code running beside the loop a connection of its own. So the browser
    starts only after the database is set up on the usual connection,
    and that other connection is closed before the browser stops, so
    that PostgreSQL can drop the test database at the end.
    """
    if not CHROMIUM.exists():
        message = (
            f"the browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        )
        if IS_CI:
            pytest.fail(message)
        pytest.skip(message)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
            connections.close_all()


@pytest.fixture(autouse=True)
def studio_settings(settings) -> None:
    """The booking rules and the studio's details the pages show."""
    settings.STUDIO_TIME_ZONE = "Europe/Berlin"
    settings.STUDIO_MIN_NOTICE_MINUTES = 120
    settings.STUDIO_HORIZON_DAYS = 60
    settings.STUDIO_SLOT_STEP_MINUTES = 15
    settings.STUDIO_GUEST_CANCEL_HOURS = 24
    settings.STUDIO_NAME = "Studio"
    settings.STUDIO_ADDRESS = "Lindenstraße 12, 10969 Berlin"
    settings.STUDIO_PHONE = "+49 30 1234567"


@pytest.fixture
def studio(transactional_db) -> dict[str, Therapist]:
    """Two therapists who work every day from 8 to 20, and two rooms."""
    anna = TherapistFactory.create(name="Anna Weber", slug="anna")
    ben = TherapistFactory.create(name="Ben Hoffmann", slug="ben", skills=["classical"])
    for therapist in (anna, ben):
        give_hours(therapist, (time(8), time(20)))
    rooms(2)
    return {"anna": anna, "ben": ben}


class Steps:
    """Saves a full-page screenshot of each step, numbered, under the test's name."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)


@pytest.fixture
def steps_for(request: pytest.FixtureRequest):
    def make(page: Page) -> Steps:
        name = re.sub(r"[^a-z0-9_]+", "-", request.node.name.lower()).strip("-")
        return Steps(page, ARTIFACTS / name)

    return make


# axe-core 4.14.1 from npm (`npm pack axe-core`), kept here as the tests'
# own asset: it is injected into the page under test, never served.
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def assert_accessible(page: Page) -> None:
    """Fail on any serious or critical accessibility violation axe-core finds on the page."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)
