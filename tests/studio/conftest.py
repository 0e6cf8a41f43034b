import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many requests schemathesis generated, when its test ran."""
    fuzz = sys.modules.get("tests.studio.test_api_fuzz")
    calls = getattr(fuzz, "calls", None)
    if calls:
        terminalreporter.write_line(
            f"schemathesis: {sum(calls.values())} generated requests over {len(calls)} operations"
        )
