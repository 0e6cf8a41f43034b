import sys
from collections import Counter

import pytest
from _pytest.nodeid import coerce_node_id

# What schemathesis sent, per operation, from every pytest-xdist worker.
_worker_calls: Counter[str] = Counter()


def _calls_here() -> Counter[str]:
    fuzz = sys.modules.get("tests.studio.test_api_fuzz")
    return getattr(fuzz, "calls", None) or Counter()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each schemathesis case its operation in its node id.

    schemathesis names each operation's item `test[GET /path]` but leaves
    them all one node id; pytest-xdist schedules by node id, and ran one
    operation of 21 until the ids differed.
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and not item.nodeid.endswith("]"):
            # schemathesis sets `_nodeid`, which pytest 9 no longer reads; it reads `_id`.
            item._id = coerce_node_id(f"{item.nodeid}[{label}]")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker, hand the counts to the main process."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["schemathesis_calls"] = dict(_calls_here())


def pytest_testnodedown(node, error) -> None:
    _worker_calls.update(getattr(node, "workeroutput", {}).get("schemathesis_calls", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many requests schemathesis generated, when its test ran."""
    calls = _calls_here() + _worker_calls
    if calls:
        terminalreporter.write_line(
            f"schemathesis: {sum(calls.values())} generated requests over {len(calls)} operations"
        )
