"""Boosting model files are validated before any kernel sees them: damaged,
truncated, garbage and crafted files raise a ValueError naming the file and the
field (never garbage predictions, never an out-of-bounds read)."""
import io
import zipfile

import numpy as np
import pytest

from pyml.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, load_model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 5))
    y = np.where(X[:, 0] + X[:, 1] > 0, 2, 0) + (X[:, 2] > 0.5)
    clf = GradientBoostingClassifier(n_estimators=6, max_depth=3, random_state=0).fit(X, y)
    path = tmp_path_factory.mktemp("gb") / "model.npz"
    clf.save_model(path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: np.array(data[k]) for k in data.files}
    return clf, X, path, arrays


def _write(tmp_path, arrays, name="crafted.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_round_trip_still_exact(saved):
    clf, X, path, _ = saved
    np.testing.assert_array_equal(load_model(path).predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("field, change, message", [
    ("threshold", lambda a: a[:3], "threshold"),
    ("left", lambda a: a[:-1], "left"),
    ("value", lambda a: a[:, :0], "value"),
    ("feature", lambda a: np.where(a >= 0, 99, a).astype(a.dtype), "feature or child"),
    ("left", lambda a: np.where(a > 0, 10**6, a).astype(a.dtype), "child"),
    ("right", lambda a: np.where(a > 0, 0, a).astype(a.dtype), "child"),
    ("threshold", lambda a: np.full_like(a, np.nan), "non-finite"),
    ("value", lambda a: np.full_like(a, np.inf), "non-finite"),
    ("tree_offsets", lambda a: a[:-1], "offsets"),
    ("tree_offsets", lambda a: np.concatenate([a[:1], a[1:] + 5]), "shape"),
    ("base_score", lambda a: a[:1], "base_score"),
    ("classes", lambda a: a[:2], "classes"),
    ("feature", lambda a: a.astype(np.float64), "dtype"),
])
def test_crafted_arrays_rejected(saved, tmp_path, field, change, message):
    clf, X, _, arrays = saved
    bad = dict(arrays)
    bad[field] = change(arrays[field])
    with pytest.raises(ValueError, match=message) as info:
        load_model(_write(tmp_path, bad))
    assert "crafted.npz" in str(info.value)


def test_missing_array_and_bad_meta(saved, tmp_path):
    _, _, _, arrays = saved
    bad = {k: v for k, v in arrays.items() if k != "threshold"}
    with pytest.raises(ValueError, match="missing arrays"):
        load_model(_write(tmp_path, bad))
    bad = dict(arrays, meta=np.array("{not json"))
    with pytest.raises(ValueError, match="damaged"):
        load_model(_write(tmp_path, bad))
    bad = dict(arrays, meta=np.array('{"estimator": "GradientBoostingClassifier"}'))
    with pytest.raises(ValueError, match="meta record lacks"):
        load_model(_write(tmp_path, bad))


@pytest.mark.parametrize("make", [
    lambda raw: b"",
    lambda raw: b"this is not a model file" * 10,
    lambda raw: raw[: len(raw) // 2],
    lambda raw: raw[:-7],
])
def test_garbage_and_truncated_files(saved, tmp_path, make):
    _, _, path, _ = saved
    target = tmp_path / "broken.npz"
    target.write_bytes(make(path.read_bytes()))
    with pytest.raises(ValueError, match="broken.npz"):
        load_model(target)


def test_bit_flips_never_crash_or_pass_silently(saved, tmp_path):
    clf, X, path, _ = saved
    raw = bytearray(path.read_bytes())
    rng = np.random.default_rng(1)
    expected = clf.predict_proba(X)
    for trial in range(60):
        flipped = bytearray(raw)
        pos = int(rng.integers(0, len(raw)))
        flipped[pos] ^= 1 << int(rng.integers(0, 8))
        target = tmp_path / f"flip{trial}.npz"
        target.write_bytes(bytes(flipped))
        try:
            model = load_model(target)
        except ValueError as exc:
            assert f"flip{trial}.npz" in str(exc)
            continue
        proba = model.predict_proba(X)   # a flip in a weight: a valid model, possibly other numbers
        assert proba.shape == expected.shape and np.isfinite(proba).all()


def test_regressor_file_checked_too(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((200, 3)); y = X[:, 0] * 2 + rng.standard_normal(200)
    reg = GradientBoostingRegressor(n_estimators=4, random_state=0).fit(X, y)
    path = tmp_path / "reg.npz"
    reg.save_model(path)
    with np.load(path) as data:
        arrays = {k: np.array(data[k]) for k in data.files}
    arrays["right"] = arrays["right"][:2]
    with pytest.raises(ValueError, match="right"):
        load_model(_write(tmp_path, arrays))


def test_predict_kernel_rejects_inconsistent_arrays():
    from pyml.tree import _tree_kernels as k

    X = np.zeros((3, 2))
    f = np.array([0, -1, -1], np.int32); th = np.zeros(1); ch = np.array([1, -1, -1], np.int32)
    with pytest.raises(ValueError, match="inconsistent tree arrays"):
        k.predict(X, f, th, ch, ch + 1, np.zeros((3, 1)), np.array([0, 3], np.int64), None, 1.0,
                  np.zeros((3, 1)), 1)


def test_object_labels_keep_their_dtype(tmp_path):
    from pyml.ensemble import GradientBoostingClassifier, load_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.where(X[:, 0] > 0, "yes", "no").astype(object)
    model = GradientBoostingClassifier(n_estimators=3).fit(X, y)
    path = tmp_path / "gb.npz"
    model.save_model(path)
    back = load_model(path)
    assert back.classes_.dtype == object and back.classes_.tolist() == ["no", "yes"]
    assert back.predict(X).dtype == object
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    y_int = (X[:, 0] > 0).astype(np.int16)
    m2 = GradientBoostingClassifier(n_estimators=3).fit(X, y_int)
    m2.save_model(path)
    assert load_model(path).classes_.dtype == np.int16
