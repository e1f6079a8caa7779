"""Property tests of the scalers, PolynomialFeatures and the metrics against NumPy formulas."""
import itertools
import math

import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

from _strategies import assert_close, labels, matrices, native64, prop_settings, result_dtype, vectors  # noqa: E402
from pyml.metrics import (  # noqa: E402
    accuracy_score, f1_score, log_loss, mean_squared_error, precision_score, r2_score, recall_score,
)
from pyml.preprocessing import MinMaxScaler, PolynomialFeatures, StandardScaler  # noqa: E402


# ----------------------------------------------------------------------------- scalers

@prop_settings(40)
@given(X=matrices(n_min=1), data=st.data())
def test_standard_scaler_matches_numpy(X, data):
    Xn = native64(X)
    sc = StandardScaler().fit(X)
    dt = result_dtype(X)
    scale = max(1.0, float(np.abs(Xn).max()))
    assert_close(sc.mean_, Xn.mean(axis=0), dt, scale=scale)
    assert_close(sc.var_, Xn.var(axis=0), dt, scale=scale ** 2)
    std = np.sqrt(native64(sc.var_))
    constant = Xn.max(axis=0) == Xn.min(axis=0)
    ref_scale = np.where((std < 10 * np.finfo(dt).eps) | constant, 1.0, std)
    assert_close(sc.scale_, ref_scale, dt, scale=scale)
    Y = data.draw(matrices(n_min=1, d=X.shape[1]))
    Z = sc.transform(Y)
    assert Z.dtype == result_dtype(Y) and Z.shape == Y.shape
    ref = (native64(Y) - native64(sc.mean_)) / native64(sc.scale_)
    assert_close(Z, ref, Z.dtype, scale=max(1.0, float(np.abs(ref).max())), factor=4)
    back = sc.inverse_transform(Z)
    assert_close(back, native64(Y), back.dtype, scale=max(scale, float(np.abs(native64(Y)).max())) * 4, factor=4)
    if X.shape[0] > 1:   # the training data come out with mean 0 and std 1 (or 0 for constant columns)
        Zx = native64(sc.transform(X))
        assert_close(Zx.mean(axis=0), np.zeros(X.shape[1]), dt, scale=scale / ref_scale.min(), factor=10)


@prop_settings(40)
@given(X=matrices(n_min=1), rng=st.sampled_from([(0, 1), (-1, 1), (2.5, 7.0)]), data=st.data())
def test_minmax_scaler_matches_numpy(X, rng, data):
    lo, hi = rng
    Xn = native64(X)
    sc = MinMaxScaler(feature_range=rng).fit(X)
    mn, mx = Xn.min(axis=0), Xn.max(axis=0)
    np.testing.assert_array_equal(native64(sc.data_min_), mn)
    np.testing.assert_array_equal(native64(sc.data_max_), mx)
    Z = native64(sc.transform(X))
    rngx = np.where(mx - mn < 10 * np.finfo(result_dtype(X)).eps, 1.0, mx - mn)   # scikit-learn's constant rule
    ref = (Xn - mn) / rngx * (hi - lo) + lo
    dt = result_dtype(X)
    assert_close(Z, ref, dt, scale=max(abs(lo), abs(hi)) * max(1.0, float(np.abs(Xn).max() / rngx.min())), factor=4)
    assert_close(sc.inverse_transform(sc.transform(X)), Xn, dt,
                 scale=max(1.0, float(np.abs(Xn).max())) * 4, factor=10)


@prop_settings(40)
@given(X=matrices(n_min=1, d_max=4, lo=-3, hi=3), degree=st.integers(0, 3), bias=st.booleans())
def test_polynomial_features_are_all_monomials_in_sklearn_order(X, degree, bias):
    if degree == 0 and not bias:
        with pytest.raises(ValueError, match="no features"):
            PolynomialFeatures(0, include_bias=False).fit(X)
        return
    pf = PolynomialFeatures(degree, include_bias=bias).fit(X)
    out = pf.transform(X)
    Xn = native64(X)
    d = X.shape[1]
    cols = [np.prod(Xn[:, list(c)], axis=1) if c else np.ones(X.shape[0])
            for deg in range(0 if bias else 1, degree + 1)
            for c in itertools.combinations_with_replacement(range(d), deg)]
    ref = np.stack(cols, axis=1)
    assert out.shape == (X.shape[0], math.comb(d + degree, degree) - (0 if bias else 1))
    assert out.dtype == result_dtype(X)
    assert_close(out, ref, out.dtype, scale=max(1.0, float(np.abs(ref).max())), factor=4)


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler, PolynomialFeatures])
def test_scalers_empty_input_raises_naming_x(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: .*0 sample.* in X"):
        cls().fit(np.zeros((0, 2)))


# ----------------------------------------------------------------------------- metrics

@st.composite
def label_pairs(draw, k_max=4):
    n = draw(st.integers(1, 60))
    k = draw(st.integers(2, k_max))
    return draw(labels(n, k)), draw(labels(n, k)), k


@st.composite
def weights(draw, n):
    if draw(st.booleans()):
        return None
    return np.abs(draw(vectors(n, lo=0.0, hi=5.0))) + 0.01


@prop_settings(40)
@given(pair=label_pairs(), data=st.data())
def test_accuracy_matches_weighted_mean(pair, data):
    y, p, _ = pair
    w = data.draw(weights(len(y)))
    ref = np.average(y == p, weights=None if w is None else native64(w))
    assert accuracy_score(y, p, sample_weight=w) == pytest.approx(ref, rel=1e-12, abs=1e-15)


def ref_prf(y, p, labels_, average):
    tp = np.array([np.sum((y == c) & (p == c)) for c in labels_], dtype=float)
    pp = np.array([np.sum(p == c) for c in labels_], dtype=float)
    tt = np.array([np.sum(y == c) for c in labels_], dtype=float)
    if average == "micro":
        tp, pp, tt = tp.sum(keepdims=True), pp.sum(keepdims=True), tt.sum(keepdims=True)
    div = lambda a, b: np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)  # noqa: E731
    prec, rec, f1 = div(tp, pp), div(tp, tt), div(2 * tp, pp + tt)
    red = (lambda v: v) if average is None else (lambda v: float(np.mean(v)))
    return red(prec), red(rec), red(f1)


@pytest.mark.parametrize("average", ["binary", "macro", "micro", None])
@prop_settings(40)
@given(pair=label_pairs())
def test_precision_recall_f1_match_counts(average, pair):
    y, p, k = pair
    if average == "binary":
        y, p = y % 2, p % 2
        labels_ = [1]
    else:
        labels_ = np.unique(np.concatenate([y, p]))
    ref = ref_prf(y, p, labels_, average)
    got = (precision_score(y, p, average=average), recall_score(y, p, average=average),
           f1_score(y, p, average=average))
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-15)
    # F1 is the harmonic mean of precision and recall (per class)
    if average in ("binary", "micro"):
        pr, rc, f = ref
        assert f == pytest.approx(0.0 if pr + rc == 0 else 2 * pr * rc / (pr + rc), abs=1e-12)


@prop_settings(40)
@given(data=st.data())
def test_log_loss_matches_clipped_cross_entropy(data):
    n = data.draw(st.integers(1, 60))
    k = data.draw(st.integers(2, 4))
    y = data.draw(labels(n, k))
    y[: min(n, k)] = np.arange(min(n, k))
    present = np.unique(y)
    if k == 2 and data.draw(st.booleans()):
        p = np.clip(data.draw(vectors(n, lo=0.0, hi=1.0)), 0, 1)   # positive-class probabilities
        P = np.column_stack([1 - native64(p), native64(p)])
        arg = p
    else:
        raw = np.abs(data.draw(matrices(n=n, d=present.size, lo=0.0, hi=1.0))) + 1e-3
        P = native64(raw) / native64(raw).sum(axis=1, keepdims=True)
        arg = P.astype(raw.dtype)
        P = native64(arg)
    if present.size == 1:
        return
    eps = np.finfo(np.asarray(arg).dtype).eps
    idx = np.searchsorted(present, y)
    ref = -np.mean(np.log(np.clip(P[np.arange(n), idx], eps, 1 - eps)))
    assert log_loss(y, arg) == pytest.approx(ref, rel=1e-6 if np.asarray(arg).dtype == np.float32 else 1e-12)


@prop_settings(40)
@given(data=st.data())
def test_mse_and_r2_match_weighted_formulas(data):
    n = data.draw(st.integers(1, 60))
    y = data.draw(vectors(n, lo=-50, hi=50))
    p = data.draw(vectors(n, lo=-50, hi=50))
    w = data.draw(weights(n))
    yn, pn = native64(y), native64(p)
    wn = np.ones(n) if w is None else native64(w)
    mse = np.sum(wn * (yn - pn) ** 2) / wn.sum()
    assert mean_squared_error(y, p, sample_weight=w) == pytest.approx(mse, rel=1e-12, abs=1e-300)
    ss_res = np.sum(wn * (yn - pn) ** 2)
    ss_tot = np.sum(wn * (yn - np.average(yn, weights=wn)) ** 2)
    got = r2_score(y, p, sample_weight=w)
    if ss_tot == 0:
        assert got == (1.0 if ss_res == 0 else 0.0)
    else:
        assert got == pytest.approx(1 - ss_res / ss_tot, rel=1e-9, abs=1e-9 * ss_res / ss_tot)
    assert r2_score(y, y, sample_weight=w) == 1.0


@pytest.mark.parametrize("fn", [accuracy_score, f1_score, precision_score, recall_score, mean_squared_error, r2_score])
def test_metrics_empty_input_raises_naming_y_true(fn):
    with pytest.raises(ValueError, match=rf"{fn.__name__}: y_true is empty"):
        fn([], [])


def test_log_loss_empty_names_y_prob():
    with pytest.raises(ValueError, match="log_loss: .*0 sample.* in y_prob"):
        log_loss([], [])
