"""Test support code: processes the tests start (emulator, control plane, operator) and helpers."""
