"""The package's public names are exactly `__all__`, each importable and documented."""

from __future__ import annotations

import importlib
import inspect
import sys

import flowlog_operator.cloud as cloud

# The client's own modules (the engine keeps its adapter, `cloud.port`, beside them).
CLIENT_MODULES = [
    "client", "credentials", "endpoints", "errors", "models", "params", "ratelimit", "redaction", "retry",
    "settings", "signing",
]  # fmt: skip


def test_all_names_exist_and_are_sorted_and_unique() -> None:
    assert len(set(cloud.__all__)) == len(cloud.__all__)
    for name in cloud.__all__:
        assert hasattr(cloud, name), name


def test_every_public_class_and_function_has_a_docstring_or_is_a_model() -> None:
    for name in cloud.__all__:
        value = getattr(cloud, name)
        if (inspect.isclass(value) or inspect.isfunction(value)) and not name.endswith(
            ("Request", "Response")
        ):
            assert value.__doc__, name


def test_every_cloud_module_has_a_docstring_and_an_all() -> None:
    for module_name in CLIENT_MODULES:
        module = importlib.import_module(f"{cloud.__name__}.{module_name}")
        assert module.__doc__, module_name
        for name in module.__all__:
            assert hasattr(module, name), f"{module_name}.{name}"


def test_the_cloud_package_imports_no_operator_framework_or_sdk() -> None:
    for module_name in CLIENT_MODULES:
        importlib.import_module(f"{cloud.__name__}.{module_name}")
    # The contract is checked by import-linter too; this pins the surprising ones.
    for forbidden in ("flowlog_operator.emulator", "alibabacloud_vpc20160428", "alibabacloud_tea_openapi"):
        loaded_by_cloud = [
            name for name, module in sys.modules.items()
            if name in {f"{cloud.__name__}.{m}" for m in CLIENT_MODULES} and forbidden in vars(module)
        ]  # fmt: skip
        assert loaded_by_cloud == [], forbidden
