"""``flowlog-operator demo`` walks one flow log through its whole life cycle on the embedded emulator."""

import pytest

from flowlog_operator import cli


def test_demo_prints_every_state_of_the_life_cycle(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo", "--delay", "0.6"]) == 0
    out = capsys.readouterr().out
    states = [line.split(": ")[-1] for line in out.splitlines() if line.startswith("  fl-")]
    assert states == [
        "Activating",
        "Active",
        "Deactivating",
        "Inactive",
        "Activating",
        "Active",
        "Deleting",
        "(gone)",
    ]
