"""The ``flowlog-operator`` command line: one sub-command per entry point.

Each sub-command owns its own options; this module only dispatches, importing
the chosen entry point lazily so that ``flowlog-operator emulator`` never loads
the operator (and the other way round).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

# sub-command -> (module, help line); each module exposes ``main(argv) -> int``.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("flowlog_operator.wiring.main", "run the operator against the current kubeconfig"),
    "emulator": ("flowlog_operator.emulator.main", "serve the VPC FlowLog API emulator"),
    "crd": ("flowlog_operator.model.crd_cli", "print the FlowLog CustomResourceDefinition as YAML"),
    "demo": ("flowlog_operator.demo", "run the main job on its embedded default (the emulator)"),
}


def _usage() -> str:
    lines = ["usage: flowlog-operator COMMAND [OPTIONS]", "", "commands:"]
    lines += [f"  {name:<10} {help_line}" for name, (_, help_line) in COMMANDS.items()]
    lines += ["", "Run 'flowlog-operator COMMAND --help' for the options of one command."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0 if args else 2
    if args[0] == "--version":
        from flowlog_operator import __version__

        print(__version__)
        return 0
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"flowlog-operator: unknown command {command!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    entry: Callable[[list[str]], int] = module.main
    return entry(rest)
