"""Properties of the collaborative-filtering training loops (``CollaborativeFiltering.fit_matrix``,
csrc/recommender_impl.inc) against NumPy loops written here, on random small rating matrices (every user rates
at least one item; some items may have no rating; float32/float64; 1..9 features):

* ``solver="adam"``: k iterations equal Keras' Adam (epsilon 1e-7, bias-corrected step) on the full-batch course
  cost J = 1/2 sum_R (x_i . w_j + b_j - (y_ij - mu_i))^2 + lambda/2 (|W|^2 + |X|^2), started from the documented
  draws (W, X, b standard normal from ``default_rng(random_state)``, in that order; mu_i the item's mean rating
  with ``mean_normalize``); ``cost_history_[t]`` is J before step t;
* ``solver="als"``: k sweeps equal exact ridge solves, every user's [w_j, b_j] given (X, c), then every item's
  [x_i, c_i] given (W, b) (an item nobody rated: zeros), lambda on the weights and on both biases, started from
  X = 0.1 N(0, 1), W = b = c = 0 and the global mean removed; ``cost_history_`` (J after each sweep, the biases'
  terms included) is non-increasing, each sweep being an exact block minimisation of that J;
* 1 and 2 threads give bitwise identical parameters and costs for both solvers.

Tolerances. float64: rtol 1e-10 relative to the parameters' scale (sums of at most ~30 products, solves of
systems of condition number < ~1e3 at lambda >= 0.5, a few steps; measured over 2,000 random examples: 2e-13).
float32: 2e-5 (measured: 1e-6). Adam's epsilon is fixed at 1e-7, so its step m / (sqrt(v) + 1e-7) is
ill-conditioned for a gradient component at float32's noise level, which mean-normalised targets (summing to 0
per item) make possible: one float32 example in 3,000 differed by 0.003 lr per step there. Each step is bounded
by ~lr, so float32 Adam gets 0.02 lr per step on top, and its costs after the first 2e-3. ALS solves in double
from float32 inputs and rounds the solution to float32 (6e-8), amplified by the condition number over k sweeps.
Costs: 10x the parameters' tolerance (J sums squares). Every formula error (a bias left out, lambda on the wrong
term, the other solve order, a missing bias correction) moves the parameters by >= lr/10, or by >= 1e-3.
"""
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("hypothesis")

from _strategies import prop_settings  # noqa: E402

from pyml.recommender import CollaborativeFiltering  # noqa: E402

RTOL = {np.float64: 1e-10, np.float32: 2e-5}  # see the module docstring


@st.composite
def ratings_case(draw, n_max=12):
    n_items, n_users = draw(st.integers(1, n_max)), draw(st.integers(1, n_max))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    dt = np.dtype(draw(st.sampled_from([np.float64, np.float32])))
    R = rng.random((n_items, n_users)) < draw(st.floats(0.1, 1.0))
    R[rng.integers(0, n_items, n_users), np.arange(n_users)] = True  # every user rates something
    Y = np.round(rng.uniform(0.5, 5.0, R.shape) * 2) / 2
    Y = np.where(R, Y, np.nan if draw(st.booleans()) else 0.0)  # unrated entries are ignored, NaN allowed
    return dict(Y=Y.astype(dt), R=R.astype(dt), dt=dt, d=draw(st.integers(1, 9)),
                mean_normalize=draw(st.booleans()), iters=draw(st.integers(1, 6)), seed=draw(st.integers(0, 10_000)))


def np_adam(c, lam, lr):
    """The course cost's Adam loop, dense NumPy (float64 on the estimator's float-typed start and targets)."""
    dt, Y, R = c["dt"], c["Y"].astype(np.float64), c["R"].astype(np.float64)
    n_items, n_users = Y.shape
    rng = np.random.default_rng(c["seed"])
    W = rng.standard_normal((n_users, c["d"])).astype(dt).astype(np.float64)
    X = rng.standard_normal((n_items, c["d"])).astype(dt).astype(np.float64)
    b = rng.standard_normal(n_users).astype(dt).astype(np.float64)
    Yr = np.where(R > 0, Y, 0.0)
    counts = R.sum(axis=1)
    mu = np.where(counts > 0, Yr.sum(axis=1) / np.maximum(counts, 1), 0.0) if c["mean_normalize"] else \
        np.zeros(n_items)
    T = np.where(R > 0, (Yr - mu[:, None]).astype(dt).astype(np.float64), 0.0)  # targets in the model's dtype
    params, m, v, costs = [X, W, b], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], []
    for t in range(1, c["iters"] + 1):
        E = (X @ W.T + b - T) * R
        costs.append(0.5 * (E ** 2).sum() + lam / 2 * ((W ** 2).sum() + (X ** 2).sum()))
        grads = [E @ W + lam * X, E.T @ X + lam * W, E.sum(axis=0)]
        alpha = lr * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        for i, (p, g) in enumerate(zip(params, grads)):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            p -= alpha * m[i] / (np.sqrt(v[i]) + 1e-7)
    return X, W, b, mu, np.array(costs)


def np_als(c, lam):
    """Biased ALS sweeps, dense NumPy: users (given X, c), then items (given W, b); J after each sweep."""
    dt, Y, R = c["dt"], c["Y"].astype(np.float64), c["R"] > 0
    n_items, n_users = Y.shape
    d = c["d"]
    rng = np.random.default_rng(c["seed"])
    X = (0.1 * rng.standard_normal((n_items, d))).astype(dt).astype(np.float64)
    W, b, cb = np.zeros((n_users, d)), np.zeros(n_users), np.zeros(n_items)
    mu = Y[R].astype(np.float64).mean() if c["mean_normalize"] else 0.0
    T = np.where(R, (np.where(R, Y, 0.0) - mu).astype(dt).astype(np.float64), 0.0)
    reg = lam * np.eye(d + 1)  # lambda on the weights and on the bias (lambda_bias = lambda)

    def cost():
        E = (X @ W.T + b + cb[:, None] - T) * R
        return 0.5 * (E ** 2).sum() + lam / 2 * ((W ** 2).sum() + (X ** 2).sum() + (b ** 2).sum() + (cb ** 2).sum())

    J0, costs = cost(), []
    for _ in range(c["iters"]):
        for j in range(n_users):  # a reference: loops over users / items are fine in the test
            rows = np.flatnonzero(R[:, j])
            A = np.column_stack([X[rows], np.ones(len(rows))])
            sol = np.linalg.solve(A.T @ A + reg, A.T @ (T[rows, j] - cb[rows]))
            W[j], b[j] = sol[:d], sol[d]
        for i in range(n_items):
            cols = np.flatnonzero(R[i])
            A = np.column_stack([W[cols], np.ones(len(cols))])
            sol = np.linalg.solve(A.T @ A + reg, A.T @ (T[i, cols] - b[cols]))  # no ratings: the zero vector
            X[i], cb[i] = sol[:d], sol[d]
        costs.append(cost())
    return X, W, b, cb, mu, J0, np.array(costs)


def assert_params(got, want, dt, what, step_atol=0.0):
    scale = 1.0 + max(float(np.abs(w).max()) for w in want if np.size(w))
    r = RTOL[dt.type]
    for i, (a, b) in enumerate(zip(got, want)):
        assert np.asarray(a).dtype == dt, what
        np.testing.assert_allclose(np.asarray(a, np.float64), b, rtol=r, atol=r * scale + step_atol,
                                   err_msg=f"{what} [{i}]")


@prop_settings(40)
@given(ratings_case(), st.sampled_from([0.0, 1.0, 3.5]), st.sampled_from([0.01, 0.1]))
def test_adam_iterations_equal_numpy_adam(c, lam, lr):
    m = CollaborativeFiltering(n_features=c["d"], reg_lambda=lam, solver="adam", learning_rate=lr,
                               max_iter=c["iters"], mean_normalize=c["mean_normalize"], random_state=c["seed"],
                               n_jobs=1).fit_matrix(c["Y"], c["R"])
    X, W, b, mu, costs = np_adam(c, lam, lr)
    assert m.n_iter_ == c["iters"]
    r = RTOL[c["dt"].type]
    # float32: a gradient component at the noise level makes the step ill-conditioned (module docstring); each
    # step is bounded by ~lr, so such a component may differ by a fraction of lr per step (seen: 0.003 lr)
    step_atol = 0.02 * lr * c["iters"] if c["dt"] == np.float32 else 0.0
    assert_params([m.item_features_, m.user_weights_, m.user_bias_], [X, W, b], c["dt"], "adam", step_atol)
    np.testing.assert_allclose(m.item_mean_, mu, rtol=r, atol=r * 5)
    np.testing.assert_array_equal(m.item_bias_, 0)
    # J before the first step: the start and the targets only; later ones follow the parameters
    assert m.cost_history_[0] == pytest.approx(costs[0], rel=10 * r)
    np.testing.assert_allclose(m.cost_history_, costs, rtol=10 * r if c["dt"] == np.float64 else 2e-3)


@prop_settings(40)
@given(ratings_case(), st.sampled_from([0.5, 1.0, 15.0]))
def test_als_sweeps_equal_numpy_ridge_solves_and_cost_never_increases(c, lam):
    m = CollaborativeFiltering(n_features=c["d"], reg_lambda=lam, solver="als", max_iter=c["iters"],
                               mean_normalize=c["mean_normalize"], random_state=c["seed"],
                               n_jobs=1).fit_matrix(c["Y"], c["R"])
    X, W, b, cb, mu, J0, costs = np_als(c, lam)
    r = RTOL[c["dt"].type]
    assert m.n_iter_ == c["iters"]
    assert_params([m.item_features_, m.user_weights_, m.user_bias_, m.item_bias_], [X, W, b, cb], c["dt"], "als")
    np.testing.assert_allclose(m.item_mean_, mu + cb, rtol=r, atol=r * (1 + abs(mu)) * 10)
    np.testing.assert_allclose(m.cost_history_, costs, rtol=r * 10)
    # exact block minimisations: J never increases (up to the rounding of J itself)
    hist = np.concatenate([[J0], m.cost_history_])
    assert np.all(np.diff(hist) <= r * 10 * hist[:-1] + 1e-12), hist


@st.composite
def multi_thread_case(draw):
    """Enough users and items that both passes split into several blocks (Adam: 4 users / 16 items per block;
    ALS: 8 rows per interleaved solve), so 2 threads really share the work."""
    c = draw(ratings_case(n_max=2))
    rng = np.random.default_rng(c["seed"])
    n_items, n_users = draw(st.integers(33, 70)), draw(st.integers(17, 50))
    R = rng.random((n_items, n_users)) < 0.3
    R[rng.integers(0, n_items, n_users), np.arange(n_users)] = True
    Y = np.where(R, np.round(rng.uniform(0.5, 5.0, R.shape) * 2) / 2, 0.0)
    return dict(c, Y=Y.astype(c["dt"]), R=R.astype(c["dt"]), solver=draw(st.sampled_from(["adam", "als"])))


@prop_settings(10)
@given(multi_thread_case())
def test_one_and_two_threads_bitwise_identical(c):
    from pyml.recommender import _cofi
    from pyml.utils._threads import resolve_n_jobs

    fits = []
    for n_jobs in (1, 2):
        # the estimator gives small problems one thread; force the count asked for
        with mock.patch.object(_cofi, "_threads", lambda n, work: resolve_n_jobs(n)):
            m = CollaborativeFiltering(n_features=c["d"], reg_lambda=1.0, solver=c["solver"], max_iter=c["iters"],
                                       mean_normalize=c["mean_normalize"], random_state=c["seed"],
                                       n_jobs=n_jobs).fit_matrix(c["Y"], c["R"])
        fits.append(m)
    a, b = fits
    for name in ("item_features_", "user_weights_", "user_bias_", "item_bias_", "item_mean_", "cost_history_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
