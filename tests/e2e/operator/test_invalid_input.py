"""Invalid manifests stop at the API server: none reaches the operator, none reaches the cloud.

``tests/e2e/test_crd_validation.py`` checks each refusal's message; here the operator and the
emulator run while the whole corpus is applied, and the emulator must see no CreateFlowLog for any
of it (a valid object applied afterwards is the barrier that proves the operator was watching).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, manifest
from support.operator import OperatorProcess

INVALID = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "invalid").glob("*.yaml"))


def test_the_invalid_corpus_is_refused_and_never_reaches_the_cloud(
    operator_factory: Callable[..., OperatorProcess],
    namespace: str,
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
) -> None:
    assert len(INVALID) >= 30
    operator_factory(namespaces=(namespace,))
    for path in INVALID:
        result = flowlogs.cluster.kubectl("apply", "-n", namespace, "-f", str(path), check=False)
        assert result.returncode != 0, f"{path.name} was accepted"
        field = next(
            line.split(": ", 1)[1] for line in path.read_text().splitlines() if line.startswith("# field:")
        )
        assert field.split(".")[-1].split("[")[0] in result.stderr, (path.name, result.stderr)
    assert flowlogs.cluster.kubectl("get", "flowlogs", "-n", namespace, "-o", "name").stdout.strip() == ""
    flowlogs.apply(manifest("barrier"))
    flowlogs.wait_active("barrier")
    assert cloud.calls().get("CreateFlowLog") == 1
