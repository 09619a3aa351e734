"""Wiring of leader election: its settings, the Lease's namespace and holder identity, the fences.

The fences are what stop a replica that may no longer act: the one in the cloud client is pinned in
``test_cloud_client``; here, kopf's API-server session (asked before every write, never before a read)
and the ``Fence`` itself. The end-to-end behaviour is in ``tests/e2e/operator/test_leader_election.py``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NoReturn

import aiohttp
import kopf
import pytest
from aiohttp import web

from flowlog_operator.core.leadership import LeaseTimings
from flowlog_operator.wiring.config import OperatorConfig, OperatorConfigError
from flowlog_operator.wiring.election import Fence, candidate_identity, lease_namespace
from flowlog_operator.wiring.login import fenced_login, lease_client


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("FLOWLOG_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_election_is_off_for_a_local_run_and_has_controller_runtimes_timings(
    clean_env: pytest.MonkeyPatch,
) -> None:
    config = OperatorConfig.load()
    assert config.leader_election is False
    assert config.lease_timings() == LeaseTimings(lease_seconds=15, renew_deadline=10.0, retry=2.0)


def test_election_settings_come_from_their_variables(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FLOWLOG_LEADER_ELECTION", "true")
    clean_env.setenv("FLOWLOG_LEADER_ELECTION_NAMESPACE", "ops")
    clean_env.setenv("FLOWLOG_LEADER_ELECTION_LEASE_SECONDS", "30")
    clean_env.setenv("FLOWLOG_LEADER_ELECTION_RENEW_DEADLINE_SECONDS", "20")
    clean_env.setenv("FLOWLOG_LEADER_ELECTION_RETRY_SECONDS", "4")
    config = OperatorConfig.load()
    assert config.leader_election is True
    assert config.leader_election_namespace == "ops"
    assert config.lease_timings() == LeaseTimings(lease_seconds=30, renew_deadline=20.0, retry=4.0)


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"FLOWLOG_LEADER_ELECTION": "maybe"}, "FLOWLOG_LEADER_ELECTION:"),
        ({"FLOWLOG_LEADER_ELECTION_NAMESPACE": "Not_A_Namespace"}, "FLOWLOG_LEADER_ELECTION_NAMESPACE:"),
        ({"FLOWLOG_LEADER_ELECTION_LEASE_SECONDS": "1.5"}, "FLOWLOG_LEADER_ELECTION_LEASE_SECONDS:"),
        ({"FLOWLOG_LEADER_ELECTION_RENEW_DEADLINE_SECONDS": "15"}, "FLOWLOG_LEADER_ELECTION_RENEW_DEADLINE"),
        ({"FLOWLOG_LEADER_ELECTION_RETRY_SECONDS": "10"}, "FLOWLOG_LEADER_ELECTION_RETRY_SECONDS"),
    ],
)
def test_a_bad_election_setting_is_one_line_naming_the_variable(
    clean_env: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    for name, value in variables.items():
        clean_env.setenv(name, value)
    with pytest.raises(OperatorConfigError) as raised:
        OperatorConfig.load()
    message = str(raised.value)
    assert named in message
    assert "\n" not in message


def test_the_lease_lives_in_the_pods_own_namespace_unless_one_is_named(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "namespace").write_text("flowlog-system\n", encoding="utf-8")
    assert lease_namespace(OperatorConfig.load(), tmp_path) == "flowlog-system"
    clean_env.setenv("FLOWLOG_LEADER_ELECTION_NAMESPACE", "elsewhere")
    assert lease_namespace(OperatorConfig.load(), tmp_path) == "elsewhere"


def test_outside_a_pod_the_lease_namespace_must_be_named(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(OperatorConfigError) as raised:
        lease_namespace(OperatorConfig.load(), tmp_path / "no-service-account")
    message = str(raised.value)
    assert message.startswith("FLOWLOG_LEADER_ELECTION_NAMESPACE: required with FLOWLOG_LEADER_ELECTION=true")
    assert "FLOWLOG_LEADER_ELECTION=false" in message


def test_the_identity_is_the_pod_or_host_name_and_the_process_id() -> None:
    assert (
        candidate_identity({"POD_NAME": "flowlog-operator-5d8f-x2"})
        == f"flowlog-operator-5d8f-x2_{os.getpid()}"
    )
    assert candidate_identity({}) == f"{socket.gethostname()}_{os.getpid()}"


class Stopped(Exception):  # noqa: N818 - it is what happened, not an error of the test
    pass


class Elector:
    def __init__(self, leading: bool) -> None:
        self.leading = leading
        self.api = "Lease ns/flowlog-operator"

    def leading_now(self) -> bool:
        return self.leading


def test_the_fence_stops_the_process_once_it_may_no_longer_act() -> None:
    reasons: list[str] = []

    def stop(reason: str) -> NoReturn:
        reasons.append(reason)
        raise Stopped(reason)

    elector = Elector(leading=True)
    fence = Fence(elector, stop)  # type: ignore[arg-type]
    fence()
    assert reasons == []
    elector.leading = False
    with pytest.raises(Stopped):
        fence()
    assert "past the renew deadline" in reasons[0]


def test_the_lease_client_reads_the_rotating_service_account_token_for_each_request(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("first\n", encoding="utf-8")
    info = kopf.ConnectionInfo(server="https://kubernetes.default.svc", token="first")
    _client, headers = lease_client(info, timeout=5, account=tmp_path)
    assert headers() == {"Authorization": "Bearer first"}
    token.write_text("rotated\n", encoding="utf-8")
    assert headers() == {"Authorization": "Bearer rotated"}


def test_outside_a_pod_the_lease_client_sends_the_kubeconfigs_credentials(tmp_path: Path) -> None:
    info = kopf.ConnectionInfo(server="https://127.0.0.1:6443", token="static")
    _client, headers = lease_client(info, timeout=5, account=tmp_path / "none")
    assert headers() == {"Authorization": "Bearer static"}


@pytest.fixture
async def api_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[str]]:
    """A stand-in API server on loopback, and KUBECONFIG pointing at it; yields the requests it saw."""
    seen: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        seen.append(request.method)
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: t\n"
        f"clusters: [{{name: t, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: t, user: {token: secret-token}}]\n"
        "contexts: [{name: t, context: {cluster: t, user: t}}]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    yield seen
    await runner.cleanup()


async def test_kopfs_session_asks_the_fence_before_every_write_and_never_before_a_read(
    api_server: list[str],
) -> None:
    asked: list[str] = []
    refusing = False

    def fence() -> None:
        asked.append("fence")
        if refusing:
            raise Stopped("not the leader")

    context = await fenced_login(fence)(settings=kopf.OperatorSettings(), logger=None)
    assert isinstance(context, kopf.AiohttpSession)
    session: aiohttp.ClientSession = context.aiohttp_session
    async with session:
        base = context.server
        (await session.get(f"{base}/apis/vpc.alicloud.io/v1alpha1/flowlogs")).release()
        assert asked == []
        (await session.patch(f"{base}/apis/vpc.alicloud.io/v1alpha1/namespaces/n/flowlogs/x")).release()
        (await session.post(f"{base}/api/v1/namespaces/n/events")).release()
        assert asked == ["fence", "fence"]
        refusing = True
        with pytest.raises(Stopped):
            await session.patch(f"{base}/apis/vpc.alicloud.io/v1alpha1/namespaces/n/flowlogs/x/status")
    assert api_server == ["GET", "PATCH", "POST"], "the refused write must never reach the API server"
    assert session.headers["Authorization"] == "Bearer secret-token"
