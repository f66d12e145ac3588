"""Shared test settings: Hypothesis profiles and paths."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.large_base_example,
    ],
}
settings.register_profile("dev", max_examples=10, **_COMMON)
settings.register_profile("ci", max_examples=25, **_COMMON)
settings.register_profile("thorough", max_examples=200, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_lo = pytest.mark.skip(reason="soffice (LibreOffice) is not installed")
    skip_pdftk = pytest.mark.skip(reason="pdftk is not installed")
    if os.environ.get("CI"):
        return  # in CI a missing tool fails the tests that need it: never a silent skip
    for item in items:
        if "libreoffice" in item.keywords and shutil.which("soffice") is None:
            item.add_marker(skip_lo)
        if "pdftk" in item.keywords and shutil.which("pdftk") is None:
            item.add_marker(skip_pdftk)
