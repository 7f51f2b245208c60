"""Service tests run on the storage ports in memory: behaviour through the ports, no SQL."""

from __future__ import annotations

import pytest

from tests.memory_units import MemoryUnits


@pytest.fixture
def units() -> MemoryUnits:
    return MemoryUnits()
