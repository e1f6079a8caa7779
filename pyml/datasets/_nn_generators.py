"""Seeded generators mirroring the Course 2 labs' data."""
import numpy as np

from pyml.datasets._checks import check_bytes, count, seed_generator

__all__ = ["make_coffee_roasting"]


def make_coffee_roasting(n_samples=200, seed=2):
    """Coffee roasting: temperature (°C, 150–285) and duration (min, 11.5–15.5) -> good roast (0/1).

    Reproduces the course's ``load_coffee_data`` (C2 W1 labs): with the default
    ``n_samples=200, seed=2`` the rows are identical. A roast is good when
    175 < t < 260, 12 < d < 15 and :math:`d \\le -3 t / 85 + 21`.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        Columns temperature, duration.
    y : ndarray of shape (n_samples, 1)
        1.0 for a good roast (column vector, as the lab returns it).
    """
    caller = "make_coffee_roasting"
    n = count(n_samples, "n_samples", caller)
    check_bytes(8 * 6 * n, f"n_samples={n} rows", "pass a smaller n_samples", caller)
    rng = seed_generator(seed, "seed", caller)
    X = rng.random(2 * n).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5
    X[:, 0] = X[:, 0] * (285 - 150) + 150
    t, d = X[:, 0], X[:, 1]
    limit = -3 / (260 - 175) * t + 21
    y = ((t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= limit)).astype(np.float64)
    return X, y.reshape(-1, 1)
