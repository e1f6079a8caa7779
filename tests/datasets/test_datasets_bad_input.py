"""pyml.datasets parameters: each bad value is a ValueError / TypeError naming the parameter the user typed
(and the fix), raised before anything is drawn or allocated; valid values keep their rows."""
import os

import numpy as np
import pytest

from pyml import datasets as D

HUGE = 2**62


@pytest.mark.parametrize("fn", [D.load_breast_cancer, D.load_diabetes, D.load_digits, D.load_mushroom])
def test_loaders_return_X_y_must_be_a_bool(fn):
    for bad in ("abc", 1, None, "False"):
        with pytest.raises(TypeError, match=f"^{fn.__name__}: return_X_y must be True or False"):
            fn(return_X_y=bad)
    X, y = fn(return_X_y=np.True_)
    bunch = fn(return_X_y=False)
    np.testing.assert_array_equal(bunch.X, X)
    np.testing.assert_array_equal(bunch.y, y)


def test_load_digits_split_names_the_choices():
    with pytest.raises(ValueError, match="load_digits: split must be 'train', 'test' or 'all'"):
        D.load_digits(split=["train"])


def test_load_movielens_path_type(tmp_path):
    with pytest.raises(TypeError, match="load_movielens: path must be a directory path .*got int 3"):
        D.load_movielens(3)
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,10,4.0,100\n")
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n10,Heat (1995),Action\n")
    ml = D.load_movielens(os.fsencode(str(tmp_path)))  # a bytes path works as os.path does
    np.testing.assert_array_equal(ml.X, [[1, 10]])


@pytest.mark.parametrize("fn, floats_per_row", [(D.make_coffee_roasting, 2), (D.make_exam_scores, 2),
                                                (D.make_house_prices, 4), (D.make_microchip_qa, 2),
                                                (D.make_blobs, 2), (D.make_server_metrics, 2)])
def test_huge_n_samples_is_refused_up_front(fn, floats_per_row):
    with pytest.raises(ValueError, match=f"^{fn.__name__}: n_samples={HUGE} rows.* GiB.*pass a smaller n_samples"):
        fn(HUGE)
    for bad, exc in (("abc", TypeError), (2.5, TypeError), (True, TypeError), (0, ValueError), (-3, ValueError)):
        with pytest.raises(exc, match=f"^{fn.__name__}: n_samples must be an integer >= 1"):
            fn(bad)
    assert fn(np.int64(7))[0].shape == (7, floats_per_row)


@pytest.mark.parametrize("param", ["n_users", "n_items", "n_features"])
def test_make_ratings_sizes(param):
    with pytest.raises(ValueError, match=f"make_ratings: .*{param}={HUGE}.* GiB.*pass smaller"):
        D.make_ratings(**{param: HUGE})
    for bad in ("abc", 2.5, 5.0, None):
        with pytest.raises(TypeError, match=f"^make_ratings: {param} must be an integer >= 1, got"):
            D.make_ratings(**{param: bad})


@pytest.mark.parametrize("param, bad, exc, words", [
    ("density", "abc", TypeError, "must be a real number"), ("density", float("nan"), ValueError, "finite"),
    ("density", 0.0, ValueError, r"in \(0.0, 1.0\]"), ("noise", "abc", TypeError, "must be a real number"),
    ("noise", float("inf"), ValueError, "finite"), ("noise", -0.1, ValueError, r"in \[0.0, inf\)")])
def test_make_ratings_reals(param, bad, exc, words):
    with pytest.raises(exc, match=f"^make_ratings: {param} {words}|^make_ratings: {param} must be {words}"):
        D.make_ratings(**{param: bad})


def test_make_ratings_rows_unchanged_by_the_checks():
    a = D.make_ratings(n_users=6, n_items=5, n_features=2, density=0.5, noise=0.1, random_state=3)
    b = D.make_ratings(n_users=np.int32(6), n_items=5, n_features=2, density=np.float32(0.5), noise=0.1,
                       random_state=3)
    rng = np.random.default_rng(3)  # the generator's first draws are the item features N(0, 1/n_features)
    np.testing.assert_array_equal(a.item_features, rng.normal(0, 1 / np.sqrt(2), (5, 2)))
    np.testing.assert_array_equal(a.Y, b.Y)


def test_make_coffee_roasting_names_seed():
    for bad in ("abc", -1, 2.5):
        with pytest.raises(ValueError, match="^make_coffee_roasting: seed must be None, a non-negative int"):
            D.make_coffee_roasting(10, seed=bad)
    X, y = D.make_coffee_roasting(4, seed=2)
    rng = np.random.default_rng(2)
    raw = rng.random(8).reshape(-1, 2)
    np.testing.assert_allclose(X[:, 0], raw[:, 0] * 135 + 150)
    np.testing.assert_allclose(X[:, 1], raw[:, 1] * 4 + 11.5)


@pytest.mark.parametrize("bad, exc, words", [(float("nan"), ValueError, "must be finite"),
                                             (-1.0, ValueError, r"must be in \[0.0, inf\)"),
                                             ("abc", TypeError, "must be a real number")])
def test_make_house_prices_noise(bad, exc, words):
    with pytest.raises(exc, match=f"^make_house_prices: noise {words}"):
        D.make_house_prices(10, noise=bad)


def test_make_house_prices_noise_zero_is_the_exact_formula():
    X, y = D.make_house_prices(20, noise=0, random_state=1)
    np.testing.assert_allclose(y, 0.11 * X[:, 0] + 18 * X[:, 1] - 20 * X[:, 2] - 1.3 * X[:, 3] + 80)
    with pytest.raises(ValueError, match="make_house_prices: n_features must be 1"):
        D.make_house_prices(10, n_features=True)


@pytest.mark.parametrize("fn, param", [(D.make_microchip_qa, "noise"), (D.make_server_metrics, "anomaly_fraction")])
def test_fractions(fn, param):
    with pytest.raises(TypeError, match=f"^{fn.__name__}: {param} must be a real number"):
        fn(10, **{param: "abc"})
    for bad in (float("nan"), -0.1, 0.5):
        with pytest.raises(ValueError, match=f"^{fn.__name__}: {param} must be"):
            fn(10, **{param: bad})


@pytest.mark.parametrize("bad, exc, words", [
    (float("nan"), ValueError, "cluster_std must be finite"), ([1.0, np.inf, 1.0], ValueError, "must be finite"),
    ("abc", TypeError, "cluster_std must be a standard deviation >= 0 or 3 of them"),
    (["a", "b", "c"], TypeError, "cluster_std must be a standard deviation"),
    ([1.0, 1j, 1.0], TypeError, "cluster_std must be a standard deviation"),
    (-1.0, ValueError, "cluster_std must be non-negative"), ([1.0, 2.0], ValueError, r"shape \(3,\)")])
def test_make_blobs_cluster_std(bad, exc, words):
    with pytest.raises(exc, match=f"^make_blobs: .*{words}"):
        D.make_blobs(10, cluster_std=bad)


@pytest.mark.parametrize("bad, exc, words", [
    ("abc", TypeError, "centers must be an int"), (2.5, TypeError, "centers must be an int"),
    (0, ValueError, "centers must be an integer >= 1"), (np.full((2, 2), np.nan), ValueError, "centers must be finite"),
    (np.zeros((2, 3)), ValueError, r"shape \(n_centers, 2\)"), (np.zeros((0, 2)), ValueError, r"got shape \(0, 2\)"),
    ([[0, 0], [1]], TypeError, "centers must be an int or an array"), (np.zeros(2), ValueError, r"got shape \(2,\)")])
def test_make_blobs_centers(bad, exc, words):
    with pytest.raises(exc, match=f"^make_blobs: .*{words}"):
        D.make_blobs(10, centers=bad)


def test_make_blobs_center_box_and_shuffle():
    with pytest.raises(ValueError, match=r"make_blobs: center_box must be \(low, high\) with low <= high.*swap"):
        D.make_blobs(10, center_box=(1.0, -1.0))
    with pytest.raises(ValueError, match=r"make_blobs: center_box\[1\] must be finite"):
        D.make_blobs(10, center_box=(0.0, np.nan))
    with pytest.raises(TypeError, match="make_blobs: center_box must be a pair"):
        D.make_blobs(10, center_box=5)
    with pytest.raises(TypeError, match="make_blobs: shuffle must be True or False"):
        D.make_blobs(10, shuffle="yes")
    # a zero-width box puts every centre at the same point: no draw is wasted on it
    X, y = D.make_blobs(30, centers=3, cluster_std=0.0, center_box=(2.0, 2.0), random_state=0)
    np.testing.assert_array_equal(X, np.full((30, 2), 2.0))


def test_make_blobs_valid_input_draws_scikit_learns_rows():
    sk = pytest.importorskip("sklearn.datasets")
    for kw in (dict(n_samples=40, centers=[[0, 0], [4, 4]], cluster_std=[0.5, 2], random_state=3),
               dict(n_samples=25, n_features=3, centers=2, center_box=(-1, 1), shuffle=np.False_, random_state=4)):
        X, y = D.make_blobs(**kw)
        Xs, ys = sk.make_blobs(**kw)
        np.testing.assert_array_equal(X, Xs)
        np.testing.assert_array_equal(y, ys)
