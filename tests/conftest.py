"""Test configuration: the installed (compiled) pyml must be the one imported."""
import os
import pathlib

import numpy as np
import pytest

import pyml

COURSE_DATA = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "course-data"


def pytest_report_header(config):
    from pyml._config import get_config

    cfg = get_config()
    return f"pyml {cfg['pyml']} from {os.path.dirname(pyml.__file__)}; OpenMP={cfg['openmp']}, cores={cfg['usable_cores']}"


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def course_data():
    """Path of ../shared/course-data (skips when it is not beside the checkout)."""
    if not COURSE_DATA.is_dir():
        pytest.skip("shared/course-data is not available")
    return COURSE_DATA


@pytest.fixture(autouse=True)
def _headless_matplotlib():
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        pass
    yield
    try:
        import matplotlib.pyplot as plt

        plt.close("all")
    except ImportError:
        pass
