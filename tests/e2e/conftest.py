"""What the end-to-end tests share: seed 003's county and its users on a fresh app."""

from typing import Any

import pytest

from tests.flow import Flow


@pytest.fixture
def flow(app: Any, client: Any) -> Flow:
    """Seed 003's county users (commerce, leader, finance, supervisor, inspector, contractors A and B)."""
    f = Flow(app, client)
    f.county_users()
    return f
