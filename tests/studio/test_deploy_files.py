"""No Docker engine runs here, so the production files are checked by reading them."""

import importlib
import json
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return parsed


def test_the_compose_file_runs_the_database_broker_web_worker_and_beat():
    services = compose()["services"]

    assert {"db", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "--app", "studio", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "--app", "studio", "beat"]


def test_every_studio_service_is_configured_by_the_same_environment():
    services = compose()["services"]

    for name in ("web", "worker", "beat", "migrate"):
        environment = services[name]["environment"]
        assert environment["DEBUG"] == "0"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert "SECRET_KEY" in environment
        assert services[name]["build"] == "."


def test_the_web_waits_for_migrations_and_migrations_wait_for_the_database():
    services = compose()["services"]

    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def dockerfile_cmd() -> list[str]:
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("CMD "):
            command: list[str] = json.loads(line.removeprefix("CMD "))
            return command
    raise AssertionError("the Dockerfile has no CMD")


def test_the_image_serves_the_wsgi_application_that_exists():
    command = dockerfile_cmd()
    module_name, _, attribute = next(arg for arg in command if ":" in arg).partition(":")

    assert command[0] == "gunicorn"
    assert callable(getattr(importlib.import_module(module_name), attribute))


def test_the_celery_app_the_services_name_exists():
    studio = importlib.import_module("studio")

    assert studio.celery_app.main == "studio"


def test_the_dockerfile_copies_every_app_and_collects_static_files():
    text = (ROOT / "Dockerfile").read_text()

    for app in ("studio", "catalog", "booking"):
        assert f"COPY {app} ./{app}" in text
        assert (ROOT / app / "__init__.py").exists()
    assert "collectstatic --noinput" in text
    assert "\nUSER studio\n" in text


def test_gunicorn_runs_with_the_config_whose_access_log_leaves_out_the_query():
    """The request line (%(r)s) and the query (%(q)s) would show a guest's token."""
    config: dict[str, Any] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)  # noqa: S102 (our own file)

    for command in (dockerfile_cmd(), compose()["services"]["web"]["command"]):
        assert command[command.index("--config") + 1] == "gunicorn.conf.py"
    assert (
        "COPY pyproject.toml README.md manage.py gunicorn.conf.py ./"
        in (ROOT / "Dockerfile").read_text()
    )
    assert "%(U)s" in config["access_log_format"]
    assert "%(r)s" not in config["access_log_format"]
    assert "%(q)s" not in config["access_log_format"]
    assert config["logger_class"].__name__ == "TokenFreeLogger"


def test_the_image_holds_every_installed_app_and_the_translations():
    """An app left out of the image fails at start: every app of ours is copied in."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    ours = [
        app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()
    ]
    for folder in [*ours, "locale"]:
        assert f"COPY {folder} ./{folder}" in dockerfile, folder
    assert "compile_translations" in dockerfile
