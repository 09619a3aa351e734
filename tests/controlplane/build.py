#!/usr/bin/env python3
"""Build (or reuse) the real Kubernetes control-plane binaries the end-to-end tests run on.

kube-apiserver, kube-controller-manager and kubectl are built from the ``k8s.io/kubernetes`` Go module,
etcd from ``go.etcd.io/etcd/server/v3`` and helm from ``helm.sh/helm/v3``, all at pinned versions through the
Go module proxy (see /work/shared/reference/control-plane.md). They land in a cache outside the repository,
keyed by the versions:

    ${FLOWLOG_CACHE_DIR:-~/.cache/flowlog-operator}/k8s/<k8s>-<etcd>-<helm>/bin/

Nothing is rebuilt when a binary is already there and reports the expected version. ``KUBEBUILDER_ASSETS``
(the controller-runtime envtest convention) names a folder whose binaries are used as they are; only the
missing ones are built. Standard library only: this runs before the virtualenv has anything installed.

Usage: build.py [--print-bin-dir] [--jobs N]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

K8S_VERSION = "v1.36.3"
ETCD_VERSION = "v3.6.16"
HELM_VERSION = "v3.22.0"

# Binaries the e2e suite needs; the first three are the envtest set, the last two optional there.
REQUIRED = ("kube-apiserver", "etcd", "kubectl", "kube-controller-manager", "helm")
# What it needs when FLOWLOG_E2E_KUBECONFIG names an existing cluster.
EXISTING_CLUSTER_TOOLS = ("kubectl", "helm")
HEARTBEAT_SECONDS = 20.0


def cache_root() -> Path:
    """Root of everything this script caches (binaries, Go build and module caches, throwaway modules)."""
    env = os.environ.get("FLOWLOG_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "flowlog-operator"


def version_key() -> str:
    return f"{K8S_VERSION}-{ETCD_VERSION}-{HELM_VERSION}"


def cache_bin_dir() -> Path:
    return cache_root() / "k8s" / version_key() / "bin"


def assets_dir() -> Path | None:
    env = os.environ.get("KUBEBUILDER_ASSETS")
    return Path(env).expanduser() if env else None


def expected_version(name: str) -> str:
    """A substring the binary's version output must contain for a cached binary to be reused."""
    return {
        "kube-apiserver": f"Kubernetes {K8S_VERSION}",
        "kube-controller-manager": f"Kubernetes {K8S_VERSION}",
        "kubectl": f"Client Version: {K8S_VERSION}",
        "etcd": f"etcd Version: {ETCD_VERSION.removeprefix('v')}",
        "helm": HELM_VERSION,
    }[name]


def version_output(path: Path) -> str:
    """What the binary says about its version ('' when it cannot run)."""
    args = {
        "kubectl": ["version", "--client"],
        "helm": ["version", "--short"],
    }.get(path.name, ["--version"])
    try:
        proc = subprocess.run(
            [str(path), *args], capture_output=True, text=True, timeout=60, check=False, env=_tool_env()
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (proc.stdout + proc.stderr).strip()


def _tool_env() -> dict[str, str]:
    # helm reads its config dirs on `version`; keep it away from the user's real ones and quiet.
    env = dict(os.environ)
    env.setdefault("HELM_CACHE_HOME", str(cache_root() / "helm" / "cache"))
    env.setdefault("HELM_CONFIG_HOME", str(cache_root() / "helm" / "config"))
    env.setdefault("HELM_DATA_HOME", str(cache_root() / "helm" / "data"))
    return env


def _on_path(name: str) -> Path | None:
    found = shutil.which(name)
    return Path(found) if found else None


def is_current(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK) and expected_version(path.name) in version_output(path)


def resolve_binaries() -> dict[str, Path | None]:
    """Where each binary comes from: KUBEBUILDER_ASSETS first (any version), then the versioned cache."""
    found: dict[str, Path | None] = {}
    assets = assets_dir()
    for name in REQUIRED:
        found[name] = None
        if assets is not None and (assets / name).is_file():
            found[name] = assets / name
        elif is_current(cache_bin_dir() / name):
            found[name] = cache_bin_dir() / name
    return found


# ------------------------------------------------------------------------------------------ progress


class Progress:
    """Prints which step runs and for how long, so a cold build (many minutes) is never silent for long."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.index = 0
        self.label = "starting"
        self.started = time.monotonic()
        self.step_started = self.started
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="build-heartbeat", daemon=True)

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def step(self, label: str) -> None:
        self.index += 1
        self.label = label
        self.step_started = time.monotonic()
        say(f"step {self.index}/{self.total} {label}")

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            now = time.monotonic()
            say(
                f"step {self.index}/{self.total} {self.label} … {fmt(now - self.step_started)}"
                f" (total {fmt(now - self.started)})"
            )


def fmt(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def say(message: str) -> None:
    print(f"[build] {message}", flush=True)


# ------------------------------------------------------------------------------------------ go helpers


def go_env(jobs: int) -> dict[str, str]:
    env = dict(os.environ)
    root = cache_root() / "go"
    # Keep Go's caches next to the binaries (one place to wipe), unless the caller chose others.
    env.setdefault("GOCACHE", str(root / "build"))
    env.setdefault("GOMODCACHE", str(root / "mod"))
    env["CGO_ENABLED"] = "0"  # upstream builds all of these static (hack/lib/golang.sh KUBE_STATIC_LIBRARIES)
    # -mod=mod lets `go build` add go.sum lines the resolve step did not need;
    # -p bounds the parallel compilers (2 cores, shared with other test runs).
    flags = [f for f in env.get("GOFLAGS", "").split() if not f.startswith(("-mod=", "-p="))]
    env["GOFLAGS"] = " ".join([*flags, "-mod=mod", f"-p={jobs}", "-buildvcs=false"])
    env.setdefault("GOTOOLCHAIN", "local")
    return env


def run(cmd: Sequence[str], cwd: Path, env: dict[str, str], capture: bool = False) -> str:
    """Run a go command, stream its (short) output, fail with the command and its output."""
    proc = subprocess.run(
        list(cmd),
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if not capture else None,
        check=False,
    )
    if proc.returncode != 0:
        raise BuildError(f"command failed ({proc.returncode}) in {cwd}: {' '.join(cmd)}")
    return proc.stdout if capture else ""


class BuildError(RuntimeError):
    pass


def fresh_module(path: Path, name: str, env: dict[str, str]) -> None:
    """A throwaway main module in the cache work dir (never in the repository)."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    run(["go", "mod", "init", name], path, env)


def k8s_ldflags() -> str:
    # Version stamping as hack/lib/version.sh does it; without it /version says v0.0.0-master and helm's
    # kubeVersion checks fail. -X on a symbol that does not exist is ignored, so listing both is safe.
    minor = K8S_VERSION.split(".")[1]
    build_date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        for key, val in (
            ("gitVersion", K8S_VERSION),
            ("gitMajor", "1"),
            ("gitMinor", minor),
            ("gitTreeState", "clean"),
            ("buildDate", build_date),
        ):
            parts.append(f"-X {pkg}.{key}={val}")
    return " ".join(parts)


def install(built: Path, dest: Path) -> None:
    """Move a freshly built binary into place atomically, so an interrupted build never leaves half a file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.move(str(built), tmp)
    tmp.chmod(0o755)
    tmp.replace(dest)
    got = version_output(dest)
    if expected_version(dest.name) not in got:
        raise BuildError(f"{dest} reports {got!r}, expected {expected_version(dest.name)!r}")
    say(f"{dest.name}: {got.splitlines()[0] if got else '?'}")


# ------------------------------------------------------------------------------------------ builds


def prepare_kube_module(work: Path, env: dict[str, str], want: Sequence[str]) -> None:
    """Throwaway module requiring k8s.io/kubernetes with every staging module replaced by its v0.X.Y tag."""
    fresh_module(work, "example.invalid/flowlog-kubebuild", env)
    module = f"k8s.io/kubernetes@{K8S_VERSION}"
    info = json.loads(run(["go", "mod", "download", "-json", module], work, env, capture=True))
    if info.get("Error"):
        raise BuildError(f"k8s.io/kubernetes@{K8S_VERSION}: {info['Error']}")
    gomod = Path(info["GoMod"]).read_text()
    staging = "v0." + K8S_VERSION.removeprefix("v1.")
    edits: list[str] = []
    godebug = ""
    in_replace = False
    for raw in gomod.splitlines():
        line = raw.split("//")[0].strip()
        if line.startswith("godebug ") and len(line.split()) == 2:
            godebug = line.split()[1]
        if line.startswith("replace ("):
            in_replace = True
            continue
        if in_replace and line == ")":
            in_replace = False
            continue
        fields = line.removeprefix("require ").split()
        # The upstream go.mod requires each staging module at the fake v0.0.0 and replaces it with ./staging;
        # replaces in a dependency are ignored, so we supply our own (generated, because the list changes).
        if len(fields) == 2 and fields[0].startswith("k8s.io/") and fields[1] == "v0.0.0":
            edits.append(f"-replace={fields[0]}={fields[0]}@{staging}")
        if "=>" in line:
            left, right = (s.strip() for s in line.removeprefix("replace ").split("=>"))
            if right.startswith("./staging/"):
                continue
            rparts = right.split()
            if len(rparts) != 2:
                raise BuildError(f"upstream replace to a local path cannot be reproduced: {line}")
            edits.append(f"-replace={left.split()[0]}={rparts[0]}@{rparts[1]}")
    if godebug:
        edits.append(f"-godebug={godebug}")
    say(f"{len(edits)} go.mod edits (staging replaces at {staging}, godebug {godebug or 'none'})")
    run(["go", "mod", "edit", *edits], work, env)
    run(["go", "get", "-tool", *(f"k8s.io/kubernetes/cmd/{c}@{K8S_VERSION}" for c in want)], work, env)


def build_kube(work: Path, env: dict[str, str], name: str, dest: Path) -> None:
    out = work / "out" / name
    run(
        [
            "go",
            "build",
            "-trimpath",
            "-tags",
            "selinux,notest,grpcnotrace",
            "-ldflags",
            k8s_ldflags(),
            "-o",
            str(out),
            f"k8s.io/kubernetes/cmd/{name}",
        ],
        work,
        env,
    )
    install(out, dest)


def build_etcd(work: Path, env: dict[str, str], dest: Path) -> None:
    # A separate module from kubernetes, so MVS does not mix their dependency versions; no replaces needed.
    fresh_module(work, "example.invalid/flowlog-etcdbuild", env)
    run(["go", "get", "-tool", f"go.etcd.io/etcd/server/v3@{ETCD_VERSION}"], work, env)
    out = work / "out" / "etcd"
    cmd = ["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(out), "go.etcd.io/etcd/server/v3"]
    run(cmd, work, env)
    install(out, dest)


def build_helm(work: Path, env: dict[str, str], dest: Path) -> None:
    # `go install pkg@version` honours helm's own go.mod exactly (it has no replace directives).
    minor = K8S_VERSION.split(".")[1]
    ld = [
        "-s",
        "-w",
        f"-X helm.sh/helm/v3/internal/version.version={HELM_VERSION}",
        "-X helm.sh/helm/v3/internal/version.gitTreeState=clean",
    ]
    # Without these, helm assumes an old default Kubernetes version for `helm template` and lint.
    for pkg in ("helm.sh/helm/v3/pkg/chartutil", "helm.sh/helm/v3/pkg/lint/rules"):
        ld += [f"-X {pkg}.k8sVersionMajor=1", f"-X {pkg}.k8sVersionMinor={minor}"]
    if work.exists():
        shutil.rmtree(work)
    gobin = work / "out"
    gobin.mkdir(parents=True)
    henv = dict(env, GOBIN=str(gobin), GOFLAGS=env["GOFLAGS"].replace("-mod=mod", "").strip())
    run(
        ["go", "install", "-trimpath", "-ldflags", " ".join(ld), f"helm.sh/helm/v3/cmd/helm@{HELM_VERSION}"],
        work,
        henv,
    )
    install(gobin / "helm", dest)


def write_manifest(bin_dir: Path, seconds: float, built: list[str]) -> None:
    manifest = {
        "kubernetes": K8S_VERSION,
        "etcd": ETCD_VERSION,
        "helm": HELM_VERSION,
        "go": subprocess.run(
            ["go", "env", "GOVERSION"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "built": built,
        "build_seconds": round(seconds, 1),
        "finished_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "binaries": {
            p.name: version_output(p).splitlines()[0:1]
            for p in sorted(bin_dir.iterdir())
            if p.is_file() and p.name in REQUIRED
        },
    }
    (bin_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def build_missing(missing: list[str], jobs: int) -> None:
    if shutil.which("go") is None and Path("/usr/local/go/bin/go").exists():
        os.environ["PATH"] = f"/usr/local/go/bin{os.pathsep}{os.environ.get('PATH', '')}"
    if shutil.which("go") is None:
        raise BuildError("the Go toolchain (go) is not on PATH; it is needed to build the control plane")
    env = go_env(jobs)
    bin_dir = cache_bin_dir()
    bin_dir.mkdir(parents=True, exist_ok=True)
    work_root = cache_root() / "work" / version_key()
    kube = [n for n in ("kube-apiserver", "kubectl", "kube-controller-manager") if n in missing]
    steps = (1 if kube else 0) + len(missing)
    started = time.monotonic()
    say(f"building {', '.join(missing)} into {bin_dir} (GOFLAGS={env['GOFLAGS']}, GOCACHE={env['GOCACHE']})")
    with Progress(steps) as progress:
        # etcd first: small, and with it plus kube-apiserver the control plane can already start.
        if "etcd" in missing:
            progress.step(f"go build etcd {ETCD_VERSION}")
            build_etcd(work_root / "etcd", env, bin_dir / "etcd")
        if kube:
            progress.step(f"resolve k8s.io/kubernetes {K8S_VERSION} (go get, downloads modules)")
            prepare_kube_module(work_root / "kube", env, kube)
        for name in kube:
            progress.step(f"go build {name} {K8S_VERSION}")
            build_kube(work_root / "kube", env, name, bin_dir / name)
        if "helm" in missing:
            progress.step(f"go install helm {HELM_VERSION}")
            build_helm(work_root / "helm", env, bin_dir / "helm")
    elapsed = time.monotonic() - started
    write_manifest(bin_dir, elapsed, missing)
    say(f"built {', '.join(missing)} in {fmt(elapsed)}")


@contextlib.contextmanager
def build_lock() -> Iterator[None]:
    """One build per version key at a time: parallel runs would share (and wipe) the same work dirs."""
    path = cache_root() / "k8s" / f"{version_key()}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another build holds {path}; waiting for it")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--print-bin-dir", action="store_true", help="print the bin dir if built, else exit 1"
    )
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("FLOWLOG_BUILD_JOBS", "2")))
    args = parser.parse_args(argv)

    found = resolve_binaries()
    if os.environ.get("FLOWLOG_E2E_KUBECONFIG"):
        # The suite runs against an existing cluster: only the clients are needed, and PATH ones will do.
        found = {n: found[n] or _on_path(n) for n in EXISTING_CLUSTER_TOOLS}
    missing = [name for name, path in found.items() if path is None]
    primary = assets_dir() or cache_bin_dir()
    if args.print_bin_dir:
        if missing:
            print(f"not built: {', '.join(missing)} (run tests/controlplane/build.py)", file=sys.stderr)
            return 1
        print(primary)
        return 0
    if assets_dir() is not None:
        assets = assets_dir()
        used = ", ".join(n for n, p in found.items() if p and p.parent == assets) or "nothing"
        cached = ", ".join(n for n, p in found.items() if p and p.parent != assets)
        say(f"KUBEBUILDER_ASSETS={assets}: using {used}" + (f"; from the cache: {cached}" if cached else ""))
        if missing:
            say(f"not in KUBEBUILDER_ASSETS, building into the cache: {', '.join(missing)}")
    if missing:
        try:
            with build_lock():
                # Another run may have built them while this one waited for the lock.
                missing = [n for n in missing if not is_current(cache_bin_dir() / n)]
                if missing:
                    build_missing(missing, args.jobs)
        except BuildError as exc:
            say(f"FAILED: {exc}")
            return 1
    else:
        say(f"up to date ({version_key()})")
    if assets_dir() is not None and missing:
        print(cache_bin_dir())
    print(primary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
