"""The lab's functions against NumPy references, the course's published values and bad input."""
import os
import pathlib

import numpy as np
import pytest

from pyml.recommender import cofi_cost_and_gradient, cofi_cost_func, normalize_ratings, sq_dist

SHARED = pathlib.Path(__file__).resolve().parents[2].parent / "shared"  # ../shared beside the checkout
COURSE = str(SHARED / "course-data/c3w2-collaborative-filtering")


def _problem(n_items=37, n_users=23, d=6, density=0.3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_items, d)).astype(dtype)
    W = rng.normal(size=(n_users, d)).astype(dtype)
    b = rng.normal(size=(1, n_users)).astype(dtype)
    R = (rng.random((n_items, n_users)) < density).astype(dtype)
    Y = (np.round(rng.uniform(0.5, 5, (n_items, n_users)) * 2) / 2 * R).astype(dtype)
    return X, W, b, Y, R


def _ref_cost(X, W, b, Y, R, lam):
    X, W, b, Y, R = (np.asarray(a, np.float64) for a in (X, W, b, Y, R))
    E = (X @ W.T + b - Y) * R
    return 0.5 * np.sum(E ** 2) + lam / 2 * (np.sum(W ** 2) + np.sum(X ** 2))


def _ref_grad(X, W, b, Y, R, lam):
    X, W, b, Y, R = (np.asarray(a, np.float64) for a in (X, W, b, Y, R))
    E = (X @ W.T + b - Y) * R
    return E @ W + lam * X, E.T @ X + lam * W, E.sum(axis=0, keepdims=True)


def test_lab_public_test_values_fixed_matrices():
    # The lab's public_tests.test_cofi_cost_func cases (5 movies x 4 users x 3 features).
    nm, nu, nf = 5, 4, 3
    J = cofi_cost_func(np.ones((nm, nf)), np.ones((nu, nf)), np.zeros((1, nu)), np.zeros((nm, nu)),
                       np.zeros((nm, nu)), 2)
    assert J == pytest.approx(27.0)  # regularisation only: 2/2 * (15 + 12)
    J = cofi_cost_func(np.ones((nm, nf)), np.ones((nu, nf)), np.ones((1, nu)), np.ones((nm, nu)),
                       np.ones((nm, nu)), 0)
    assert J == pytest.approx(90.0)  # 20 ratings, error 3 + 1 - 1 = 3: 20 * 9 / 2
    # Only r = 1 terms count, b is not regularised (by hand):
    # e = 1*2 + 0.5 - 4 = -1.5 -> 1.125; reg 2/2 * (1 + 4 + 9) = 14
    X1, W1, b1 = np.array([[1.0]]), np.array([[2.0], [3.0]]), np.array([[0.5, 0.0]])
    Y1, R1 = np.array([[4.0, 9.0]]), np.array([[1.0, 0.0]])
    assert cofi_cost_func(X1, W1, b1, Y1, R1, 2.0) == pytest.approx(1.125 + 14.0)
    J, dX, dW, db = cofi_cost_and_gradient(X1, W1, b1, Y1, R1, 2.0)
    np.testing.assert_allclose(dX, [[-1.5 * 2 + 2 * 1.0]])
    np.testing.assert_allclose(dW, [[-1.5 * 1 + 2 * 2.0], [2 * 3.0]])
    np.testing.assert_allclose(db, [[-1.5, 0.0]])


@pytest.mark.skipif(not os.path.isdir(COURSE), reason="course data not present")
def test_lab_published_costs_on_course_data():
    X = np.loadtxt(os.path.join(COURSE, "small_movies_X.csv"), delimiter=",")
    W = np.loadtxt(os.path.join(COURSE, "small_movies_W.csv"), delimiter=",")
    b = np.loadtxt(os.path.join(COURSE, "small_movies_b.csv"), delimiter=",").reshape(1, -1)
    Y = np.loadtxt(os.path.join(COURSE, "RECONSTRUCTED_small_movies_Y.csv.gz"), delimiter=",")
    R = np.loadtxt(os.path.join(COURSE, "RECONSTRUCTED_small_movies_R.csv.gz"), delimiter=",")
    nm, nu, nf = 5, 4, 3
    args = (X[:nm, :nf], W[:nu, :nf], b[0, :nu].reshape(1, -1), Y[:nm, :nu], R[:nm, :nu])
    assert round(cofi_cost_func(*args, 0), 2) == 13.67
    assert round(cofi_cost_func(*args, 1.5), 2) == 28.09
    # The lab's "average rating for movie 0" after normalisation
    Ynorm, Ymean = normalize_ratings(Y, R)
    assert round(float(Ymean[0, 0]), 3) == 3.4
    # Full-size cost equals the dense NumPy formula
    J = cofi_cost_func(X, W, b, Y, R, 1.0)
    assert J == pytest.approx(_ref_cost(X, W, b, Y, R, 1.0), rel=1e-12)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_cost_and_gradient_equal_numpy(dtype, rtol, lam):
    X, W, b, Y, R = _problem(dtype=dtype)
    J, dX, dW, db = cofi_cost_and_gradient(X, W, b, Y, R, lam)
    assert dX.dtype == dtype and dW.dtype == dtype and db.dtype == dtype
    assert db.shape == (1, W.shape[0]) and dX.shape == X.shape and dW.shape == W.shape
    gX, gW, gb = _ref_grad(X, W, b, Y, R, lam)
    assert J == pytest.approx(_ref_cost(X, W, b, Y, R, lam), rel=rtol)
    atol = 1e-10 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(dX, gX, rtol=rtol * 10, atol=atol)
    np.testing.assert_allclose(dW, gW, rtol=rtol * 10, atol=atol)
    np.testing.assert_allclose(db, gb, rtol=rtol * 10, atol=atol)
    assert cofi_cost_func(X, W, b, Y, R, lam) == J


def test_gradient_finite_differences():
    X, W, b, Y, R = _problem(n_items=9, n_users=7, d=3, density=0.5)
    lam = 0.7
    _, dX, dW, db = cofi_cost_and_gradient(X, W, b, Y, R, lam)
    h = 1e-6
    for arr, grad in ((X, dX), (W, dW), (b, db)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):  # test-side loop over a tiny problem
            old = arr[idx]
            arr[idx] = old + h
            jp = cofi_cost_func(X, W, b, Y, R, lam)
            arr[idx] = old - h
            jm = cofi_cost_func(X, W, b, Y, R, lam)
            arr[idx] = old
            num[idx] = (jp - jm) / (2 * h)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_threads_bitwise_identical(dtype):
    X, W, b, Y, R = _problem(n_items=3000, n_users=200, d=16, density=0.2, dtype=dtype)
    out1 = cofi_cost_and_gradient(X, W, b, Y, R, 1.0, n_jobs=1)
    out2 = cofi_cost_and_gradient(X, W, b, Y, R, 1.0, n_jobs=2)
    assert out1[0] == out2[0]
    for a, c in zip(out1[1:], out2[1:]):
        assert np.array_equal(a, c)


def test_unusual_layouts_just_work():
    X, W, b, Y, R = _problem()
    J = cofi_cost_func(X, W, b, Y, R, 1.0)
    Yf, Rf = np.asfortranarray(Y), np.asfortranarray(R)
    Xbe = X.astype(">f8")
    Wro = W.copy()
    Wro.setflags(write=False)
    assert cofi_cost_func(Xbe, Wro, b.tolist(), Yf, Rf, 1.0) == pytest.approx(J, rel=1e-14)
    Xnc = np.repeat(X, 2, axis=1)[:, ::2]
    assert cofi_cost_func(Xnc, W, b.ravel(), Y, R.astype(bool), 1.0) == pytest.approx(J, rel=1e-14)


def test_bad_input_messages():
    X, W, b, Y, R = _problem()
    with pytest.raises(ValueError, match="R must contain only 0 and 1"):
        R2 = R.copy(); R2[3, 4] = 0.5
        cofi_cost_func(X, W, b, Y, R2, 1.0)
    i, j = np.argwhere(R > 0)[3]
    with pytest.raises(ValueError, match=f"NaN or infinity at a rated entry.*row {i}"):
        Y2 = Y.copy(); Y2[i, j] = np.nan
        cofi_cost_func(X, W, b, Y2, R, 1.0)
    with pytest.raises(ValueError, match="NaN or infinity"):
        Y2 = Y.copy(); Y2[i, j] = -np.inf
        cofi_cost_func(X, W, b, Y2, R, 1.0)
    # entries where R = 0 are never read: NaN there is a "missing" marker
    Y3 = np.where(R > 0, Y, np.nan)
    assert cofi_cost_func(X, W, b, Y3, R, 1.0) == cofi_cost_func(X, W, b, Y, R, 1.0)
    with pytest.raises(ValueError, match="shape"):
        cofi_cost_func(X, W, b, Y, R[:, :-1], 1.0)
    with pytest.raises(ValueError, match="X has"):
        cofi_cost_func(X[:-1], W, b, Y, R, 1.0)
    with pytest.raises(ValueError, match="W has"):
        cofi_cost_func(X, W[:-1], b, Y, R, 1.0)
    with pytest.raises(ValueError, match="b has"):
        cofi_cost_func(X, W, b[:, :-1], Y, R, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        X2 = X.copy(); X2[0, 0] = np.nan
        cofi_cost_and_gradient(X2, W, b, Y, R, 1.0)
    with pytest.raises(ValueError, match="lambda_"):
        cofi_cost_func(X, W, b, Y, R, -1.0)


def test_empty_ratings_cost_is_regularisation_only():
    X, W, b, Y, R = _problem()
    R[:] = 0
    J, dX, dW, db = cofi_cost_and_gradient(X, W, b, Y, R, 2.0)
    assert J == pytest.approx((np.sum(X ** 2) + np.sum(W ** 2)))
    np.testing.assert_allclose(dX, 2 * X)
    assert np.all(db == 0)


def test_normalize_ratings():
    Y = np.array([[5.0, 0.0, 3.0], [0.0, 0.0, 0.0], [2.0, 4.0, 0.0]])
    R = (Y > 0).astype(float)
    Ynorm, Ymean = normalize_ratings(Y, R)
    np.testing.assert_allclose(Ymean, [[4.0], [0.0], [3.0]])
    np.testing.assert_allclose(Ynorm, [[1.0, 0.0, -1.0], [0.0, 0.0, 0.0], [-1.0, 1.0, 0.0]])
    Y32, R32 = Y.astype(np.float32), R.astype(np.float32)
    assert normalize_ratings(Y32, R32)[0].dtype == np.float32
    with pytest.raises(ValueError, match="0 and 1"):
        normalize_ratings(Y, R * 2)
    with pytest.raises(ValueError, match="shape"):
        normalize_ratings(Y, R[:2])


def test_sq_dist():
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([0.0, 4.0, 3.5])
    assert sq_dist(a, b) == pytest.approx(1 + 4 + 0.25)
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(50, 7)), rng.normal(size=(50, 7))
    np.testing.assert_allclose(sq_dist(A, B), ((A - B) ** 2).sum(axis=1), rtol=1e-14)
    assert sq_dist(A.astype(np.float32), B.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        sq_dist(A, B[:3])
