"""Fixtures shared by every test tier; tier-specific ones live beside their tests."""
