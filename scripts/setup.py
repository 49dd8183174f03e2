"""One idempotent setup step, run by `make run` and `make test`.

Builds `.venv` (this Python, 3.11+) for the app and `.venv-rasa` (Python 3.10) for Rasa,
each only when its requirements changed, and the NHS.UK design system for the queue pages
(npm) only when its lock or settings changed; then trains the safety net's learned risk
model and the Rasa model, each only when what it is trained from changed. Standard library
only: it runs before any environment exists.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_VENV = ROOT / ".venv"
RASA_VENV = ROOT / ".venv-rasa"
MODEL_DIR = ROOT / "var" / "models"
MODEL = MODEL_DIR / "triage.tar.gz"
MODEL_STAMP = MODEL_DIR / "triage.fingerprint"
RISK_MODEL_LOG = ROOT / "var" / "risk" / "train.log"
PIP_VERSION = "24.0"
# The NHS.UK design system (nhsuk-frontend, pinned in package-lock.json), built into
# the folder Flask serves as /static/nhsuk/: the pages load nothing from elsewhere.
NODE_MODULES = ROOT / "node_modules"
NPM_STAMP = NODE_MODULES / ".setup-stamp"
NHSUK_DIST = NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk"
FRONTEND_SOURCE = ROOT / "webhooks" / "static" / "nhsuk.scss"
FRONTEND_OUT = ROOT / "webhooks" / "static" / "nhsuk"
FRONTEND_STAMP = ROOT / "var" / "frontend.fingerprint"
FRONTEND_FILES = ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js", "assets")
CHROMIUM = "/usr/bin/chromium"
# Everything the trained model depends on.
TRAINING_INPUTS = [
    "bot/config.yml",
    "bot/components",
    "bot/domain",
    "bot/data",
    "nlu",
    "requirements/rasa.lock",
]


class SetupError(RuntimeError):
    """Setup cannot continue; the message says what to do."""


def say(message: str) -> None:
    """One progress line."""
    print(f"setup: {message}", flush=True)


def fingerprint(paths: list[Path]) -> str:
    """A hash of the named files, and of every file under the named folders."""
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def run(command: list[str], **kwargs: object) -> None:
    """Run a command, failing setup with its name if it fails."""
    result = subprocess.run(command, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise SetupError(f"`{' '.join(command[:4])} ...` failed (exit {result.returncode})")


def ensure_venv(venv: Path, python: str, stamp_value: str, install: list[list[str]]) -> bool:
    """Create or update a virtual environment; return True if anything was installed."""
    stamp = venv / ".setup-stamp"
    venv_python = venv / "bin" / "python"
    if venv_python.exists() and stamp.exists() and stamp.read_text() == stamp_value:
        return False
    if not venv_python.exists():
        if venv.exists():
            shutil.rmtree(venv)
        run([python, "-m", "venv", str(venv)])
    pip_install(venv_python, [f"pip=={PIP_VERSION}"])
    for arguments in install:
        pip_install(venv_python, arguments)
    stamp.write_text(stamp_value)
    return True


def pip_install(venv_python: Path, arguments: list[str], attempts: int = 3) -> None:
    """`pip install`, tried again on failure.

    A large wheel (TensorFlow is 586 MB) can arrive damaged: pip then refuses it for a hash
    that does not match the index's, and never retries by itself. Later tries bypass pip's
    cache so a damaged download is not reused.
    """
    command = [str(venv_python), "-m", "pip", "install", "-q", *arguments]
    for attempt in range(1, attempts + 1):
        retry = ["--no-cache-dir"] if attempt > 1 else []
        if subprocess.run([*command, *retry], cwd=ROOT, check=False).returncode == 0:
            return
        if attempt < attempts:
            say(f"pip install failed (try {attempt} of {attempts}); trying again")
    raise SetupError(f"`{' '.join(command[:4])} ...` failed {attempts} times")


def find_python310() -> str:
    """Python 3.10 for Rasa: $PYTHON310, then pyenv, then python3.10 on PATH."""
    candidates = [os.environ.get("PYTHON310", "")]
    if shutil.which("pyenv"):
        prefix = subprocess.run(
            ["pyenv", "prefix", "3.10"], capture_output=True, text=True, check=False
        )
        if prefix.returncode == 0 and prefix.stdout.strip():
            candidates.append(
                str(Path(prefix.stdout.strip().splitlines()[0]) / "bin" / "python3.10")
            )
    candidates.append(shutil.which("python3.10") or "")
    for candidate in filter(None, candidates):
        check = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 10))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode == 0 and check.stdout.strip() == "True":
            return candidate
    raise SetupError(
        "Python 3.10 is needed for Rasa 3.6 and was not found.\n"
        "  Install it with `pyenv install 3.10.13` (pyenv: https://github.com/pyenv/pyenv),\n"
        "  or your system's python3.10 package, or set PYTHON310=/path/to/python3.10."
    )


def ensure_chromium() -> None:
    """Debian's Chromium for the browser tests (a browser download would fail offline)."""
    if Path(CHROMIUM).exists():
        say("Chromium is installed")
        return
    if not shutil.which("apt-get"):
        raise SetupError(f"{CHROMIUM} is missing: install Chromium (Debian package `chromium`)")
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise SetupError("Chromium is missing: run `sudo apt-get install chromium`")
        prefix = ["sudo", "-n"]
    say("installing Debian's chromium package")
    install = [*prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(install, env=env, check=False).returncode != 0:
        # The package lists may be stale or absent on a fresh machine.
        run([*prefix, "apt-get", "update", "-q"], env=env)
        run(install, env=env)


def build_frontend_if_changed() -> None:
    """`npm ci` only when the lock changed; then the stylesheet built with the settings in
    webhooks/static/nhsuk.scss, and the script and icons copied beside it."""
    wanted = fingerprint([ROOT / "package.json", ROOT / "package-lock.json", FRONTEND_SOURCE])
    built = all((FRONTEND_OUT / name).exists() for name in FRONTEND_FILES)
    if built and FRONTEND_STAMP.exists() and FRONTEND_STAMP.read_text() == wanted:
        say("NHS.UK frontend is up to date")
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError(
            "npm is missing: install Node.js 20 or later with npm (Debian: `nodejs`, `npm`)"
        )
    lock = fingerprint([ROOT / "package-lock.json"])
    if not (NPM_STAMP.exists() and NPM_STAMP.read_text() == lock):
        say("installing the NHS.UK frontend (npm ci)")
        # No install scripts and no optional native file watcher: sass runs as plain JS.
        quiet = ["--no-audit", "--no-fund", "--loglevel=error"]
        run(
            [npm, "ci", "--ignore-scripts", "--omit=optional", "--include=dev", *quiet],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        NPM_STAMP.write_text(lock)
    say("building the NHS.UK frontend into webhooks/static/nhsuk/")
    # Built aside and moved in whole: a failed build never leaves half a folder served.
    staging = ROOT / "var" / "nhsuk-build"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    sass = [str(NODE_MODULES / ".bin" / "sass"), "--no-source-map", "--style=compressed"]
    sources = ["--load-path", str(NODE_MODULES), str(FRONTEND_SOURCE)]
    run([*sass, "--quiet-deps", *sources, str(staging / "nhsuk-frontend.min.css")], cwd=ROOT)
    for name in ("nhsuk-frontend.min.js", "nhsuk-frontend.min.js.map"):
        shutil.copy2(NHSUK_DIST / name, staging / name)
    shutil.copytree(NHSUK_DIST / "assets", staging / "assets")
    shutil.rmtree(FRONTEND_OUT, ignore_errors=True)
    shutil.move(staging, FRONTEND_OUT)
    FRONTEND_STAMP.write_text(wanted)


def train_risk_model_if_changed() -> None:
    """Train the learned risk model in the app environment; it skips if its inputs are as saved.

    The gateway and `triage risk` only load the saved model, so this runs before anything
    that starts them. Its fingerprint needs the app's own code, so the module decides.
    """
    RISK_MODEL_LOG.parent.mkdir(parents=True, exist_ok=True)
    with (
        RISK_MODEL_LOG.open("w") as log,
        subprocess.Popen(
            [str(APP_VENV / "bin" / "python"), "-m", "safety.learned.train"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        ) as process,
    ):
        # Each line as it comes: "training ..." shows before the seconds it takes.
        for line in process.stdout or ():
            say(line.rstrip())
    if process.returncode != 0:
        tail = "\n".join(RISK_MODEL_LOG.read_text(errors="replace").splitlines()[-20:])
        raise SetupError(f"training the learned risk model failed; {RISK_MODEL_LOG}:\n{tail}")


def train_if_changed() -> None:
    """Retrain only when the training data (or the Rasa version) changed."""
    wanted = fingerprint([ROOT / path for path in TRAINING_INPUTS])
    if MODEL.exists() and MODEL_STAMP.exists() and MODEL_STAMP.read_text() == wanted:
        say("Rasa model is up to date")
        return
    say("training the Rasa model (about 30 s)")
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore",
    )
    log_path = MODEL_DIR / "train.log"
    with log_path.open("wb") as log:
        result = subprocess.run(
            [
                str(RASA_VENV / "bin" / "rasa"),
                "train",
                "--domain",
                "domain",
                "--data",
                "data",
                "../nlu",
                "--config",
                "config.yml",
                "--out",
                str(MODEL_DIR),
                "--fixed-model-name",
                "triage",
            ],
            cwd=ROOT / "bot",
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0 or not MODEL.exists():
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
        raise SetupError(f"rasa train failed; last lines of {log_path}:\n{tail}")
    MODEL_STAMP.write_text(wanted)
    say(f"Rasa model trained: {MODEL.relative_to(ROOT)}")


def main() -> int:
    """Run every setup step; exit 1 with a clear message if one cannot be done."""
    try:
        if sys.version_info < (3, 11):
            raise SetupError(f"the app needs Python 3.11+, this is {sys.version.split()[0]}")
        app_stamp = fingerprint([ROOT / "pyproject.toml", ROOT / "requirements" / "app.lock"])
        if ensure_venv(
            APP_VENV, sys.executable, app_stamp, [["-c", "requirements/app.lock", "-e", ".[dev]"]]
        ):
            say("app environment (.venv) installed")
        else:
            say("app environment (.venv) is up to date")
        build_frontend_if_changed()
        train_risk_model_if_changed()
        rasa_stamp = fingerprint(
            [ROOT / "requirements" / "rasa.txt", ROOT / "requirements" / "rasa.lock"]
        )
        if not (RASA_VENV / ".setup-stamp").exists():
            say("installing Rasa into .venv-rasa (about 4 minutes, 2.7 GB)")
        if ensure_venv(
            RASA_VENV,
            find_python310(),
            rasa_stamp,
            [["-r", "requirements/rasa.txt", "-c", "requirements/rasa.lock"]],
        ):
            say("Rasa environment (.venv-rasa) installed")
        else:
            say("Rasa environment (.venv-rasa) is up to date")
        train_if_changed()
        ensure_chromium()
    except SetupError as error:
        print(f"setup failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
