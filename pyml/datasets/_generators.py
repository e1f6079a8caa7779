"""Seeded generators mirroring the Course 1 labs' data."""
import numpy as np

from pyml.datasets._checks import check_bytes, count, real
from pyml.utils.validation import check_random_state

__all__ = ["make_house_prices", "make_exam_scores", "make_microchip_qa"]


def _n(n_samples, caller, floats_per_row):
    """n_samples as an int, refused up front when the rows (and the draws behind them) would not fit."""
    n = count(n_samples, "n_samples", caller)
    check_bytes(8 * floats_per_row * n, f"n_samples={n} rows", "pass a smaller n_samples", caller)
    return n


def make_house_prices(n_samples=100, *, n_features=4, noise=10.0, random_state=None):
    """Houses like the course's: size (sq ft), bedrooms, floors, age -> price ($1000s).

    price = 0.11·size + 18·bedrooms - 20·floors - 1.3·age + 80 + N(0, noise²).
    ``n_features=1`` returns size only (the course's single-feature lab).
    """
    caller = "make_house_prices"
    n = _n(n_samples, caller, 12)  # 5 columns of X, the price and the temporaries behind them
    if isinstance(n_features, (bool, np.bool_)) or n_features not in (1, 4):
        raise ValueError(f"{caller}: n_features must be 1 (size only) or 4, got {n_features!r}")
    noise = real(noise, "noise", caller, low=0.0)
    rng = check_random_state(random_state)
    size = rng.uniform(800, 3000, n).round()
    bedrooms = np.clip(np.round(size / 600 + rng.normal(0, 0.7, n)), 1, 6)
    floors = rng.integers(1, 3, n).astype(np.float64)
    age = rng.integers(5, 100, n).astype(np.float64)
    price = 0.11 * size + 18 * bedrooms - 20 * floors - 1.3 * age + 80 + rng.normal(0, noise, n)
    X = np.column_stack([size, bedrooms, floors, age])
    return (X[:, :1] if n_features == 1 else X), price


def make_exam_scores(n_samples=100, *, random_state=None):
    """Two exam scores (30–100) -> admitted (0/1), a linearly separable-ish problem.

    P(admitted) = sigmoid(0.2·exam1 + 0.2·exam2 - 25), as in the course's lab 2 data.
    """
    n = _n(n_samples, "make_exam_scores", 6)
    rng = check_random_state(random_state)
    X = rng.uniform(30, 100, size=(n, 2))
    z = 0.2 * X[:, 0] + 0.2 * X[:, 1] - 25.0
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(np.int64)
    return X, y


def make_microchip_qa(n_samples=118, *, noise=0.05, random_state=None):
    """Two microchip test results in [-1, 1] -> accepted (0/1), a circular boundary.

    Accepted when x1² + x2² < 0.6 (flipped with probability ``noise``): needs
    polynomial features (``map_feature``) and regularisation, as in the lab.
    """
    n = _n(n_samples, "make_microchip_qa", 6)
    noise = real(noise, "noise", "make_microchip_qa", low=0.0, high=0.5, include_high=False)
    rng = check_random_state(random_state)
    X = rng.uniform(-1.0, 1.1, size=(n, 2))
    inside = (X[:, 0] ** 2 + X[:, 1] ** 2) < 0.6
    flip = rng.random(n) < noise
    return X, (inside ^ flip).astype(np.int64)
