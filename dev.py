#!/usr/bin/env python3
"""Set-up and everyday commands, with nothing but Python 3.11+ and the package registries.

    python3 dev.py run [ARGS...]   create/refresh .venv, then run the platform (default:
                                   `target87 serve`: http://127.0.0.1:8087 on the bundled
                                   data; any other target87 command may be given instead)
    python3 dev.py test [ARGS...]  create/refresh .venv, start a throw-away PostgreSQL server
                                   when its binaries exist, lint, and run the whole test suite

The virtual environment is rebuilt only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".target87-installed"


def ensure_venv(extras: str = "") -> None:
    """Install target87 (with `extras`) into .venv unless that install is already current."""
    if sys.version_info < (3, 11):  # noqa: UP036  (dev.py may be run by an older python3)
        sys.exit(f"target87 needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    done = STAMP.read_text().split() if STAMP.exists() else []
    # A test install (every extra) also serves `run`; a plain install does not serve `test`.
    if done and done[0] == digest and set(extras.split(",")) <= set(done[1:] + [""]):
        return
    if not (BIN / "python").exists():
        print("Creating the virtual environment in .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing target87 and its dependencies into .venv …", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    subprocess.run([*pip, "install", "-e", target], check=True)
    STAMP.write_text(" ".join([digest, *filter(None, extras.split(","))]))


def run(args: list[str]) -> int:
    ensure_venv()
    return subprocess.call([str(BIN / "target87"), *(args or ["serve"])])


def test(args: list[str]) -> int:
    ensure_venv("test,spark")
    sys.path.insert(0, str(ROOT / "scripts"))
    from pg_server import PostgresUnavailable, temporary_postgres

    require_pg = os.environ.get("CI") == "true" or os.environ.get("TARGET87_REQUIRE_POSTGRES")
    env = dict(os.environ)
    # BLAS threads fight over two cores on small matrices (the Monte Carlo tests run 20x slower).
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    lint = subprocess.call(
        [str(BIN / "ruff"), "check", "src", "tests", "scripts", "benchmarks", "dev.py"], cwd=ROOT
    )
    if lint:
        print("ruff found problems (see above).", file=sys.stderr)
        return lint
    # Two workers by default (CI has two cores); a module's tests stay on one worker so its
    # fixtures (a served site, a browser) start once. TARGET87_TEST_WORKERS=0 runs in-process.
    workers = os.environ.get("TARGET87_TEST_WORKERS", "2")
    spread = [] if "-n" in args or workers == "0" else ["-n", workers, "--dist", "loadfile"]
    pytest = [str(BIN / "python"), "-m", "pytest", *spread, *args]
    try:
        with temporary_postgres() as url:
            env["TARGET87_TEST_POSTGRES_URL"] = url
            print(f"PostgreSQL for the tests: {url}", flush=True)
            return subprocess.call(pytest, cwd=ROOT, env=env)
    except PostgresUnavailable as exc:
        if require_pg:
            print(f"PostgreSQL is required here but could not start: {exc}", file=sys.stderr)
            return 3
        print(f"PostgreSQL not available ({exc}); its tests will be skipped.", flush=True)
        return subprocess.call(pytest, cwd=ROOT, env=env)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, args = sys.argv[1], sys.argv[2:]
    return run(args) if command == "run" else test(args)


if __name__ == "__main__":
    sys.exit(main())
