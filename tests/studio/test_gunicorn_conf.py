"""gunicorn.conf.py's worker hook: a started worker's objects are left out of full collections."""

import gc
import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_started_worker_freezes_the_objects_it_loaded(unfrozen):
    post_worker_init = runpy.run_path(str(CONF))["post_worker_init"]
    assert gc.get_freeze_count() == 0

    post_worker_init(worker=None)

    assert gc.get_freeze_count() > 10_000
