import pytest
from _pytest.nodeid import coerce_node_id


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
