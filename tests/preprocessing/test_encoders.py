"""OneHotEncoder: sorted categories, unknown handling, drop, inverse, the heart lab's 20 features."""
import pickle

import numpy as np
import pytest

from pyml.exceptions import NotFittedError
from pyml.preprocessing import OneHotEncoder

X = np.array([["M", "ASY", "N"], ["F", "NAP", "Y"], ["M", "TA", "N"], ["F", "ASY", "N"]], dtype=object)


def test_transform_matches_numpy_reference():
    enc = OneHotEncoder().fit(X)
    assert [c.tolist() for c in enc.categories_] == [["F", "M"], ["ASY", "NAP", "TA"], ["N", "Y"]]
    out = enc.transform(X)
    ref = np.hstack([(X[:, [j]] == c[None, :]).astype(float) for j, c in enumerate(enc.categories_)])
    np.testing.assert_array_equal(out, ref)
    assert enc.get_feature_names_out(["Sex", "Pain", "Angina"]).tolist() == [
        "Sex_F", "Sex_M", "Pain_ASY", "Pain_NAP", "Pain_TA", "Angina_N", "Angina_Y"]
    np.testing.assert_array_equal(enc.inverse_transform(out), X)


def test_numeric_categories_and_drop():
    Xn = np.array([[1, 10], [2, 10], [3, 20]])
    enc = OneHotEncoder(drop="first").fit(Xn)
    np.testing.assert_array_equal(enc.transform(Xn), [[0, 0, 0], [1, 0, 0], [0, 1, 1]])
    np.testing.assert_array_equal(enc.inverse_transform(enc.transform(Xn)).astype(int), Xn)
    enc = OneHotEncoder(drop="if_binary").fit(Xn)
    assert enc.transform(Xn).shape == (3, 4)


def test_handle_unknown():
    enc = OneHotEncoder().fit(X)
    new = np.array([["M", "XYZ", "N"]], dtype=object)
    with pytest.raises(ValueError, match="unknown categories.*XYZ"):
        enc.transform(new)
    ign = OneHotEncoder(handle_unknown="ignore").fit(X)
    np.testing.assert_array_equal(ign.transform(new), [[0, 1, 0, 0, 0, 1, 0]])


def test_errors_and_pickle():
    with pytest.raises(NotFittedError):
        OneHotEncoder().transform(X)
    with pytest.raises(ValueError, match="handle_unknown"):
        OneHotEncoder(handle_unknown="bogus").fit(X)
    with pytest.raises(ValueError, match="2D"):
        OneHotEncoder().fit(["a", "b"])
    with pytest.raises(ValueError, match="NaN"):
        OneHotEncoder().fit(np.array([[1.0], [np.nan]]))
    enc = OneHotEncoder().fit(X)
    with pytest.raises(ValueError, match="features"):
        enc.transform(X[:, :2])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(enc)).transform(X), enc.transform(X))


def test_heart_lab_has_20_features(course_data):
    import csv

    with open(course_data / "c2w4-tree-ensemble" / "heart.csv") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], np.array(rows[1:], dtype=object)
    cat = ["Sex", "ChestPainType", "RestingECG", "ExerciseAngina", "ST_Slope"]
    idx = [header.index(c) for c in cat]
    enc = OneHotEncoder().fit(body[:, idx])
    onehot = enc.transform(body[:, idx])
    rest = np.delete(body, idx + [header.index("HeartDisease")], axis=1).astype(float)
    features = np.hstack([rest, onehot])
    assert features.shape == (918, 20)
    assert onehot.sum(axis=1).tolist() == [5.0] * 918
