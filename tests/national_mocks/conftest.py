"""Loads the national-mocks fixtures for these tests.

`pytest_plugins` is refused in a non-root conftest, so the plugin is registered here from
`pytest_configure` instead; registering is idempotent, so this keeps working once
tests/conftest.py has `pytest_plugins = ["tests.fixtures_mocks"]`.
"""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.import_plugin("tests.fixtures_mocks")
