"""A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) for the end-to-end tests.

The binaries come from ``tests/controlplane/build.py`` (built from the Go module proxy, cached outside the
repo). ``ControlPlane`` runs them as child processes on free loopback ports with a throwaway CA, RBAC + Node
authorization, ServiceAccount token signing and an admin kubeconfig, and stops every process it started by
PID.
``ExistingCluster`` offers the same interface for a cluster given by kubeconfig (``FLOWLOG_E2E_KUBECONFIG``),
where nothing is started. ``token_kubeconfig`` gives a kubeconfig that carries only a ServiceAccount token, so
RBAC is tested as a real pod would meet it.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import ctypes
import datetime as dt
import importlib.util
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "tests" / "controlplane" / "build.py"

# Generous: kube-apiserver installs ~hundred post-start hooks and the machine is shared (2 cores).
START_TIMEOUT = float(os.environ.get("FLOWLOG_CONTROLPLANE_START_TIMEOUT", "120"))
STOP_TIMEOUT = 15.0

# Controllers the tests rely on: namespace deletion, ownerReference GC, the `default` ServiceAccount and
# legacy SA token secrets, kube-root-ca.crt in every namespace, aggregated ClusterRoles (admin/edit/view).
KCM_CONTROLLERS = (
    "namespace-controller",
    "garbage-collector-controller",
    "serviceaccount-controller",
    "serviceaccount-token-controller",
    "root-ca-certificate-publisher-controller",
    "clusterrole-aggregation-controller",
)

# Every (pid, binary name) any ControlPlane in this interpreter started; the e2e conftest checks at session
# end that none of them is still alive.
STARTED: list[tuple[int, str]] = []


class CommandError(subprocess.CalledProcessError):
    """A failed kubectl/helm call whose message carries its output (CalledProcessError's does not)."""

    def __str__(self) -> str:
        return f"{super().__str__()}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


class ControlPlaneError(RuntimeError):
    pass


# ------------------------------------------------------------------------------------------ binaries


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("flowlog_controlplane_build", BUILD_SCRIPT)
    if spec is None or spec.loader is None:
        raise ControlPlaneError(f"cannot load {BUILD_SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find_binaries(
    names: Sequence[str] | None = None, *, path_fallback: Sequence[str] = ()
) -> dict[str, Path]:
    """Locate the binaries: KUBEBUILDER_ASSETS, then the versioned cache; PATH for ``path_fallback``."""
    build = _build_module()
    found: dict[str, Path | None] = build.resolve_binaries()
    result: dict[str, Path] = {}
    missing = []
    for name in names or build.REQUIRED:
        path = found.get(name)
        if path is None and name in path_fallback:
            which = shutil.which(name)
            path = Path(which) if which else None
        if path is None:
            missing.append(name)
        else:
            result[name] = path
    if missing:
        raise ControlPlaneError(
            f"control-plane binaries not built: {', '.join(missing)}; run `make control-plane` "
            f"(python {BUILD_SCRIPT.relative_to(REPO_ROOT)}) first"
        )
    return result


# ------------------------------------------------------------------------------------------ certificates


@dataclass
class _Pki:
    """A throwaway CA with the serving, admin-client and ServiceAccount-signing material, written as PEM."""

    directory: Path
    ca_cert: Path = field(init=False)
    serving_cert: Path = field(init=False)
    serving_key: Path = field(init=False)
    admin_cert: Path = field(init=False)
    admin_key: Path = field(init=False)
    sa_key: Path = field(init=False)
    sa_pub: Path = field(init=False)
    ca_key: Path = field(init=False)

    def generate(self) -> _Pki:
        self.directory.mkdir(parents=True, exist_ok=True)
        # EC P-256 everywhere: generated in microseconds (RSA 2048 costs ~0.1 s each on this machine) and
        # accepted by kube-apiserver for TLS, client certs and ServiceAccount token signing (ES256).
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flowlog-e2e-ca")])
        now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)  # tolerate small clock skew
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(ca_key, hashes.SHA256())
        )

        def leaf(
            subject: x509.Name, usage: x509.ObjectIdentifier, sans: list[x509.GeneralName] | None
        ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
            key = ec.generate_private_key(ec.SECP256R1())
            builder = (
                x509.CertificateBuilder()
                .subject_name(subject)
                .issuer_name(ca_name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now)
                .not_valid_after(now + dt.timedelta(days=2))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            )
            if sans:
                builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
            return builder.sign(ca_key, hashes.SHA256()), key

        serving, serving_key = leaf(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]),
            ExtendedKeyUsageOID.SERVER_AUTH,
            [
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.DNSName("localhost"),
                # The in-cluster names too, so a kubeconfig naming them also verifies.
                x509.DNSName("kubernetes.default.svc"),
                x509.IPAddress(ipaddress.ip_address("10.0.0.1")),
            ],
        )
        # O=system:masters: the group RBAC's bootstrap policy binds to cluster-admin.
        admin, admin_key = leaf(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "flowlog-e2e-admin"),
                ]
            ),
            ExtendedKeyUsageOID.CLIENT_AUTH,
            None,
        )
        sa_key = ec.generate_private_key(ec.SECP256R1())

        self.ca_cert = self._write("ca.crt", ca.public_bytes(serialization.Encoding.PEM))
        self.ca_key = self._write("ca.key", _key_pem(ca_key))
        self.serving_cert = self._write("apiserver.crt", serving.public_bytes(serialization.Encoding.PEM))
        self.serving_key = self._write("apiserver.key", _key_pem(serving_key))
        self.admin_cert = self._write("admin.crt", admin.public_bytes(serialization.Encoding.PEM))
        self.admin_key = self._write("admin.key", _key_pem(admin_key))
        self.sa_key = self._write("sa.key", _key_pem(sa_key))
        self.sa_pub = self._write(
            "sa.pub",
            sa_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )
        return self

    def _write(self, name: str, data: bytes) -> Path:
        path = self.directory / name
        path.write_bytes(data)
        path.chmod(0o600)
        return path


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write_kubeconfig(path: Path, server: str, ca_data: str, user: dict[str, str], name: str) -> Path:
    """A single-context kubeconfig; JSON is valid YAML, so kubectl, helm and the Python client all read it."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": ca_data}}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    }
    path.write_text(json.dumps(config, indent=2) + "\n")
    path.chmod(0o600)
    return path


# ------------------------------------------------------------------------------------------ processes


def free_port() -> int:
    # Bind to port 0 and release it; the tiny window before the child binds it is acceptable on loopback.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel SIGKILLs it if the test process dies without cleaning up."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def pid_alive(pid: int, name: str) -> bool:
    """True when ``pid`` still runs the binary ``name`` (a reused PID of another program does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state != "Z" and Path(cmdline).name == name


def leftover_processes() -> list[tuple[int, str]]:
    """Processes a ControlPlane started that are still running."""
    return [(pid, name) for pid, name in STARTED if pid_alive(pid, name)]


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class _Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    log_file: IO[bytes]


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    """Poll ``condition`` until it holds or the deadline passes (no fixed sleeps in the tests)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


class _Base:
    """kubectl/helm plumbing shared by a started control plane and an existing cluster."""

    kubeconfig: Path
    server: str
    bin_dir: Path
    workdir: Path
    tools: dict[str, Path]

    @property
    def pids(self) -> list[int]:
        return []

    def _tool(self, name: str) -> str:
        if name not in self.tools:
            raise ControlPlaneError(f"{name} is not built; run `make control-plane`")
        return str(self.tools[name])

    def _run(
        self,
        tool: str,
        args: Sequence[str],
        *,
        input: str | None,  # mirrors subprocess.run
        check: bool,
        kubeconfig: Path | None,
        timeout: float,
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        env["KUBECONFIG"] = str(kubeconfig or self.kubeconfig)
        env.update(extra_env or {})
        cmd = [self._tool(tool), *args]
        proc = subprocess.run(
            cmd, input=input, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
        if check and proc.returncode != 0:
            raise CommandError(proc.returncode, cmd, proc.stdout, proc.stderr)
        return proc

    def kubectl(
        self,
        *args: str,
        input: str | None = None,  # mirrors subprocess.run
        check: bool = True,
        kubeconfig: Path | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        """Run the real kubectl binary against this cluster (admin unless ``kubeconfig`` says otherwise)."""
        return self._run("kubectl", args, input=input, check=check, kubeconfig=kubeconfig, timeout=timeout)

    def helm(
        self,
        *args: str,
        input: str | None = None,  # mirrors subprocess.run
        check: bool = True,
        kubeconfig: Path | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run the real helm binary with its caches and config inside the work dir (not the user's home)."""
        helm_home = self.workdir / "helm"
        extra = {
            "HELM_CACHE_HOME": str(helm_home / "cache"),
            "HELM_CONFIG_HOME": str(helm_home / "config"),
            "HELM_DATA_HOME": str(helm_home / "data"),
        }
        return self._run(
            "helm", args, input=input, check=check, kubeconfig=kubeconfig, timeout=timeout, extra_env=extra
        )

    def api_client(self, kubeconfig: Path | None = None) -> Any:
        """A ``kubernetes.client.ApiClient`` for the admin (or the given) kubeconfig."""
        from kubernetes import config  # imported lazily: only e2e tests need the client

        return config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig or self.kubeconfig)
        )

    def stop(self) -> None:
        """Nothing to stop by default (an existing cluster)."""

    def restart_apiserver_and_etcd(self) -> None:
        raise NotImplementedError("restarting the control plane is only possible when the tests started it")


class ControlPlane(_Base):
    """etcd + kube-apiserver + kube-controller-manager as child processes of the test run.

    Use as a context manager or call ``start()``/``stop()``. ``stop()`` is idempotent and also runs at
    interpreter exit; the children are additionally tied to this process with PR_SET_PDEATHSIG.
    """

    def __init__(self, workdir: Path | None = None, *, controller_manager: bool = True) -> None:
        needed = ["etcd", "kube-apiserver", "kubectl"]
        if controller_manager:
            needed.append("kube-controller-manager")
        self.tools = find_binaries(needed)
        # helm is optional for the control plane itself; .helm() reports it missing when called.
        with contextlib.suppress(ControlPlaneError):
            self.tools.update(find_binaries(["helm"]))
        self.bin_dir = self.tools["kube-apiserver"].parent
        # etcd and the certs live on tmpfs when there is one: no fsync cost, nothing left on disk.
        base = Path("/dev/shm") if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="flowlog-e2e-cp-", dir=base))
        self.controller_manager = controller_manager
        self.etcd_port = free_port()
        self.etcd_peer_port = free_port()
        self.port = free_port()
        self.server = f"https://127.0.0.1:{self.port}"
        self.kubeconfig = self.workdir / "admin.kubeconfig"
        self._procs: dict[str, _Proc] = {}
        self._started_pids: list[int] = []
        self._pki = _Pki(self.workdir / "pki")
        self._ssl: ssl.SSLContext | None = None
        self.started_seconds: float | None = None
        atexit.register(self.stop)

    # -------------------------------------------------------------------------------- lifecycle

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pids(self) -> list[int]:
        """Every PID this control plane started (including ones already stopped by a restart)."""
        return list(self._started_pids)

    def start(self) -> ControlPlane:
        began = time.monotonic()
        try:
            self._pki.generate()
            ctx = ssl.create_default_context(cafile=str(self._pki.ca_cert))
            ctx.load_cert_chain(str(self._pki.admin_cert), str(self._pki.admin_key))
            self._ssl = ctx
            write_kubeconfig(
                self.kubeconfig,
                self.server,
                _b64(self._pki.ca_cert),
                {
                    "client-certificate-data": _b64(self._pki.admin_cert),
                    "client-key-data": _b64(self._pki.admin_key),
                },
                "flowlog-e2e",
            )
            self._start_etcd()
            self._start_apiserver()
            if self.controller_manager:
                self._start_controller_manager()
        except BaseException:
            # A half-started control plane must not outlive a failed fixture.
            self.stop()
            raise
        self.started_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        """Stop every process (controller-manager, apiserver, etcd) by PID: SIGTERM, wait, SIGKILL."""
        for name in ("kube-controller-manager", "kube-apiserver", "etcd"):
            self._stop_one(name)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def restart_apiserver_and_etcd(self) -> None:
        """Stop kube-apiserver and etcd, start them again on the same ports and data (resilience tests)."""
        # With clients holding watch connections (controller-manager, the operator) kube-apiserver lingers
        # after SIGTERM until they close; a restart does not need its graceful drain, so cut it short.
        self._stop_one("kube-apiserver", grace=3.0)
        self._stop_one("etcd")
        self._start_etcd()
        self._start_apiserver()

    def rss(self) -> dict[str, int]:
        """Resident memory of each running process, in bytes."""
        return {name: rss_bytes(p.popen.pid) for name, p in self._procs.items() if p.popen.poll() is None}

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    # -------------------------------------------------------------------------------- components

    def _spawn(self, name: str, args: Sequence[str]) -> _Proc:
        log = self.log(name)
        log_file = log.open("ab")
        popen = subprocess.Popen(
            [self._tool(name), *args],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            preexec_fn=_die_with_parent,  # only calls prctl, safe before exec
        )
        proc = _Proc(name, popen, log, log_file)
        self._procs[name] = proc
        self._started_pids.append(popen.pid)
        STARTED.append((popen.pid, name))
        return proc

    def _stop_one(self, name: str, grace: float = STOP_TIMEOUT) -> None:
        proc = self._procs.pop(name, None)
        if proc is None:
            return
        try:
            if proc.popen.poll() is None:
                proc.popen.terminate()
                try:
                    proc.popen.wait(grace)
                except subprocess.TimeoutExpired:
                    proc.popen.kill()
                    proc.popen.wait(STOP_TIMEOUT)
        finally:
            proc.log_file.close()

    def _await(self, proc: _Proc, condition: Callable[[], bool], what: str) -> None:
        def check() -> bool:
            if proc.popen.poll() is not None:
                raise ControlPlaneError(
                    f"{proc.name} exited with {proc.popen.returncode} while waiting for {what}:\n"
                    + self._tail(proc.log)
                )
            return condition()

        try:
            wait_for(check, START_TIMEOUT, what)
        except TimeoutError as exc:
            raise ControlPlaneError(f"{exc}\n{proc.name} log tail:\n{self._tail(proc.log)}") from None

    @staticmethod
    def _tail(log: Path, lines: int = 40) -> str:
        try:
            return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _get(self, url: str, ctx: ssl.SSLContext | None = None) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=5, context=ctx) as resp:  # noqa: S310 - loopback URL
                return int(resp.status), resp.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            exc.close()
            return int(exc.code), ""
        except (OSError, ValueError):
            return 0, ""

    def _start_etcd(self) -> None:
        client = f"http://127.0.0.1:{self.etcd_port}"
        peer = f"http://127.0.0.1:{self.etcd_peer_port}"
        proc = self._spawn(
            "etcd",
            [
                "--name=flowlog-e2e",
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls={client}",
                f"--advertise-client-urls={client}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=flowlog-e2e={peer}",
                "--unsafe-no-fsync=true",  # test data only; fsync dominates write latency otherwise
                "--log-level=warn",
                "--quota-backend-bytes=2147483648",
            ],
        )
        self._await(
            proc,
            lambda: '"health":"true"' in self._get(f"{client}/health")[1].replace(" ", ""),
            "etcd /health",
        )

    def _start_apiserver(self) -> None:
        pki = self._pki
        proc = self._spawn(
            "kube-apiserver",
            [
                f"--etcd-servers=http://127.0.0.1:{self.etcd_port}",
                "--bind-address=127.0.0.1",
                f"--secure-port={self.port}",
                # No default route in a sandbox: name the address; a loopback one cannot go into the
                # `kubernetes` Endpoints, hence no endpoint reconciler.
                "--advertise-address=127.0.0.1",
                "--endpoint-reconciler-type=none",
                f"--cert-dir={self.workdir / 'certs'}",
                f"--tls-cert-file={pki.serving_cert}",
                f"--tls-private-key-file={pki.serving_key}",
                f"--client-ca-file={pki.ca_cert}",
                f"--service-account-issuer={self.server}",
                f"--service-account-key-file={pki.sa_pub}",
                f"--service-account-signing-key-file={pki.sa_key}",
                "--authorization-mode=Node,RBAC",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--allow-privileged=true",
                # No kubelet and pods are never run; the ServiceAccount admission plugin would only make
                # object creation race the serviceaccount controller for the `default` SA.
                "--disable-admission-plugins=ServiceAccount",
                "--profiling=false",
                "--v=1",
            ],
        )
        self._await(
            proc, lambda: self._get(f"{self.server}/readyz", self._ssl)[0] == 200, "kube-apiserver /readyz"
        )

    def _start_controller_manager(self) -> None:
        pki = self._pki
        proc = self._spawn(
            "kube-controller-manager",
            [
                f"--kubeconfig={self.kubeconfig}",
                "--leader-elect=false",
                "--secure-port=0",  # it serves nothing the tests need; no port to allocate
                "--controllers=" + ",".join(KCM_CONTROLLERS),
                f"--service-account-private-key-file={pki.sa_key}",
                f"--root-ca-file={pki.ca_cert}",
                "--use-service-account-credentials=false",
                "--v=1",
            ],
        )
        # Ready once the serviceaccount controller has done its first pass (it creates `default` everywhere).
        url = f"{self.server}/api/v1/namespaces/default/serviceaccounts/default"
        self._await(proc, lambda: self._get(url, self._ssl)[0] == 200, "kube-controller-manager (default SA)")


class ExistingCluster(_Base):
    """The same interface over a cluster given by kubeconfig; nothing is started or stopped."""

    def __init__(self, kubeconfig: Path) -> None:
        self.kubeconfig = kubeconfig
        self.tools = find_binaries(("kubectl", "helm"), path_fallback=("kubectl", "helm"))
        self.bin_dir = self.tools["kubectl"].parent
        self.workdir = Path(tempfile.mkdtemp(prefix="flowlog-e2e-ext-"))
        self.server = self.kubectl(
            "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"
        ).stdout
        self.started_seconds: float | None = 0.0

    def stop(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def token_kubeconfig(
    cp: _Base, namespace: str, service_account: str, path: Path, duration: str = "1h"
) -> Path:
    """Write a kubeconfig carrying only a TokenRequest token for ``namespace/service_account``.

    No client certificate goes in: with both, the x509 authenticator wins and every request would run as the
    admin, so RBAC would never be exercised.
    """
    token = cp.kubectl(
        "-n", namespace, "create", "token", service_account, f"--duration={duration}"
    ).stdout.strip()
    raw = json.loads(cp.kubectl("config", "view", "--raw", "--minify", "--flatten", "-o", "json").stdout)
    cluster = raw["clusters"][0]["cluster"]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "sa", "cluster": cluster}],
        "users": [{"name": f"{namespace}:{service_account}", "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "sa", "user": f"{namespace}:{service_account}"}}],
        "current-context": "sa",
    }
    path.write_text(json.dumps(config, indent=2) + "\n")
    path.chmod(0o600)
    return path


@contextlib.contextmanager
def control_plane_from_env() -> Iterator[_Base]:
    """``ExistingCluster`` when FLOWLOG_E2E_KUBECONFIG is set, otherwise a started ``ControlPlane``."""
    existing = os.environ.get("FLOWLOG_E2E_KUBECONFIG")
    cp: _Base = ExistingCluster(Path(existing).expanduser()) if existing else ControlPlane().start()
    try:
        yield cp
    finally:
        cp.stop()
