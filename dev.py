#!/usr/bin/env python3
"""The studio's two everyday commands, for a machine with only Python 3.11.

    python3.11 dev.py start   install, migrate, load the demo studio, run web + Celery
    python3.11 dev.py test    install, then lint, type-check and run the whole test suite

Both make the virtual environment `.venv/` on first use and reinstall only
when pyproject.toml changes. Only the standard library is used here, since
this file runs before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")

CI_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/studio"
CI_REDIS_URL = "redis://127.0.0.1:6379/1"
# The broker on a Redis database of its own: the tests flush the cache's.
CI_BROKER_URL = "redis://127.0.0.1:6379/14"
CI_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"


def say(message: str) -> None:
    print(f"\033[1m» {message}\033[0m", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None) -> int:
    return subprocess.call([str(arg) for arg in args], cwd=ROOT, env=env)


def ensure_installed(extras: str) -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(
            f"studio needs Python 3.11; this is {sys.version.split()[0]}. Run it with python3.11."
        )
    if not PYTHON.exists():
        say("Creating the virtual environment .venv/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"Installing the studio{f' with [{extras}]' if extras else ''} into .venv/")
    target = f".[{extras}]" if extras else "."
    quiet = ["--quiet", "--disable-pip-version-check"]
    if run(PYTHON, "-m", "pip", "install", *quiet, "--upgrade", "pip") != 0:
        sys.exit("Could not upgrade pip in .venv/")
    if run(PYTHON, "-m", "pip", "install", *quiet, "--editable", target) != 0:
        sys.exit("Installing the studio failed; see pip's message above.")
    stamp.write_text(digest)


def start(options: argparse.Namespace) -> int:
    ensure_installed("")
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    manage = [str(PYTHON), "manage.py"]
    say("Compiling the translations")
    if run(*manage, "compile_translations", env=env) != 0:
        return 1
    say("Applying database migrations")
    if run(*manage, "migrate", "--noinput", env=env) != 0:
        return 1
    say("Loading the demo studio")
    if run(*manage, "seed_demo", env=env) != 0:
        return 1

    address = f"{options.host}:{options.port}"
    # Links in e-mails point at the address this command serves.
    env.setdefault("STUDIO_BASE_URL", f"http://{address}")
    processes = [
        subprocess.Popen(
            [
                str(BIN / "celery"),
                "--app",
                "studio",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
            ],
            cwd=ROOT,
            env=env,
        ),
        subprocess.Popen([*manage, "runserver", "--noreload", address], cwd=ROOT, env=env),
    ]
    mail_folder = env.get("EMAIL_FILE_PATH", str(ROOT / "var" / "mail"))
    say(
        f"The studio is starting at http://{address}/  (front desk: http://{address}/staff/, "
        f"admin: http://{address}/admin/, with the logins printed above; "
        f"API docs: http://{address}/api/v1/docs/). "
        f"E-mails are written to {mail_folder}. Stop with Ctrl+C."
    )

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    return 0


def in_parallel(pytest_args: list[str]) -> list[str]:
    """pytest-xdist's options: a process per core, at most four, unless the arguments choose.

    Each process has a test database and a Redis database of its own
    (tests/conftest.py); `loadfile` keeps each file on one process, so a
    module's servers and data start once. `-n 0` runs in this process.
    """
    if any(arg.startswith(("-n", "--numprocesses", "--dist")) for arg in pytest_args):
        return []
    if "no:xdist" in pytest_args:
        return []
    workers = min(os.cpu_count() or 1, 4)
    return ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []


def test(options: argparse.Namespace) -> int:
    ensure_installed("dev")
    pytest_args = list(options.pytest_args)
    if pytest_args[:1] == ["--"]:
        # `dev.py test -- --durations=20`: after "--" pytest would take them for files.
        pytest_args = pytest_args[1:]
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    if env.get("CI", "").lower() == "true":
        # CI runs on the real servers; the suite fails if they do not answer.
        env.setdefault("DATABASE_URL", CI_DATABASE_URL)
        env.setdefault("REDIS_URL", CI_REDIS_URL)
        env.setdefault("CELERY_BROKER_URL", CI_BROKER_URL)
        env.setdefault("RABBITMQ_URL", CI_RABBITMQ_URL)
    steps: list[tuple[str, list[str | Path]]] = [
        # First: the tests read the compiled Russian words.
        ("compile translations", [PYTHON, "manage.py", "compile_translations"]),
        ("ruff check", [BIN / "ruff", "check", "."]),
        ("ruff format --check", [BIN / "ruff", "format", "--check", "."]),
        ("mypy", [BIN / "mypy"]),
        (
            "migrations are up to date",
            [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"],
        ),
        ("pytest", [BIN / "pytest", *in_parallel(pytest_args), *pytest_args]),
    ]
    failed: list[str] = []
    for name, command in steps:
        say(name)
        if run(*command, env=env) != 0:
            failed.append(name)
    if failed:
        say(f"Failed: {', '.join(failed)}")
        return 1
    say("All checks passed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="install and run the studio with demo data")
    start_parser.add_argument("--host", default=os.environ.get("STUDIO_HOST", "127.0.0.1"))
    start_parser.add_argument("--port", default=os.environ.get("STUDIO_PORT", "8000"))
    test_parser = commands.add_parser("test", help="install and run every check and test")
    test_parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    arguments = sys.argv[1:]
    if arguments[:1] == ["test"]:
        # Everything after `test` is pytest's, options first too (`dev.py test -k offerings -x`):
        # argparse would read those as its own and refuse them.
        options = parser.parse_args(arguments[:1])
        options.pytest_args = arguments[1:]
    else:
        options = parser.parse_args(arguments)
    return start(options) if options.command == "start" else test(options)


if __name__ == "__main__":
    sys.exit(main())
