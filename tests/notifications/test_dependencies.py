"""Dependencies point notifications -> booking: booking's code imports nothing of notifications.

Only booking's admin, a layer above both (DESIGN.md: site/API/admin/tasks
on top), shows the outbox's rows on an appointment's page.
"""

import ast
from pathlib import Path

from django.conf import settings


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_module_of_booking_but_its_admin_imports_notifications():
    booking = Path(settings.BASE_DIR) / "booking"
    importers = sorted(
        str(path.relative_to(booking))
        for path in booking.rglob("*.py")
        if "admin" not in path.relative_to(booking).parts
        and any(
            module == "notifications" or module.startswith("notifications.")
            for module in imported_modules(path)
        )
    )

    assert importers == []
    # The scan reads real imports: the admin's is found.
    assert "notifications.admin" in imported_modules(booking / "admin" / "appointments.py")
