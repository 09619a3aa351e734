"""The command line dispatches to its sub-commands and explains itself."""

import pytest

from flowlog_operator import cli


def test_no_command_prints_usage_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "flowlog-operator COMMAND" in capsys.readouterr().out


def test_unknown_command_is_refused_with_the_list_of_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'frobnicate'" in err
    for name in cli.COMMANDS:
        assert name in err


def test_every_command_names_an_importable_entry_point() -> None:
    import importlib.util

    for module_name, _ in cli.COMMANDS.values():
        parent = module_name.rsplit(".", 1)[0]
        assert importlib.util.find_spec(parent) is not None, module_name
