"""Helpers shared by the tests of every folder (fixtures live in the conftest files)."""
