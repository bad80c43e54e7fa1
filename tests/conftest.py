"""Shared fixtures for the unit tests (plain helpers live in tests/helpers.py)."""
import pytest

from helpers import CALIBRATION


@pytest.fixture
def base():
    """The calibration point of virtual_plant.md as a settings dict."""
    return dict(CALIBRATION)
