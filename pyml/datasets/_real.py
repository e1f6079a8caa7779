"""Loaders for the real datasets bundled with pyml (see data/README.md)."""
import gzip

import numpy as np

from pyml.datasets._base import Bunch, data_file, read_csv_floats
from pyml.datasets._checks import flag

__all__ = ["load_diabetes", "load_breast_cancer", "load_mushroom", "load_digits"]

_DIABETES_FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
_BREAST_CANCER_FEATURES = [
    f"{stat} {name}"
    for stat in ("mean", "error", "worst")
    for name in ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
                 "concave points", "symmetry", "fractal dimension")
]
MUSHROOM_FEATURES = [
    "cap-shape", "cap-surface", "cap-color", "bruises", "odor", "gill-attachment", "gill-spacing",
    "gill-size", "gill-color", "stalk-shape", "stalk-root", "stalk-surface-above-ring",
    "stalk-surface-below-ring", "stalk-color-above-ring", "stalk-color-below-ring", "veil-type",
    "veil-color", "ring-number", "ring-type", "spore-print-color", "population", "habitat",
]


def load_diabetes(*, return_X_y=False):
    """Diabetes regression data: X (442, 10) unscaled, y disease progression.

    Efron et al. (2004), "Least Angle Regression". Returns a Bunch with
    ``X, y, feature_names, description`` or ``(X, y)``.
    """
    return_X_y = flag(return_X_y, "return_X_y", "load_diabetes")
    X = read_csv_floats("diabetes_data_raw.csv.gz", delimiter=" ")
    y = read_csv_floats("diabetes_target.csv.gz").ravel()
    if return_X_y:
        return X, y
    return Bunch(X=X, y=y, feature_names=list(_DIABETES_FEATURES),
                 description="Diabetes progression one year after baseline (Efron et al., 2004)")


def load_breast_cancer(*, return_X_y=False):
    """Breast Cancer Wisconsin (Diagnostic): X (569, 30), y 0 = malignant, 1 = benign.

    UCI dataset 17 (CC BY 4.0). Returns a Bunch with ``X, y, feature_names,
    target_names`` or ``(X, y)``.
    """
    return_X_y = flag(return_X_y, "return_X_y", "load_breast_cancer")
    raw = read_csv_floats("breast_cancer.csv", skiprows=1)
    X, y = raw[:, :-1], raw[:, -1].astype(np.int64)
    if return_X_y:
        return X, y
    return Bunch(X=X, y=y, feature_names=list(_BREAST_CANCER_FEATURES), target_names=["malignant", "benign"],
                 description="Breast Cancer Wisconsin (Diagnostic), UCI 17")


def load_mushroom(*, return_X_y=False):
    """UCI Mushroom: X (8124, 22) one-letter category codes (str), y 1 = poisonous, 0 = edible.

    Missing stalk-root values are the category '?'. UCI dataset 73 (CC BY 4.0).
    """
    return_X_y = flag(return_X_y, "return_X_y", "load_mushroom")
    with gzip.open(data_file("agaricus-lepiota.data.gz"), "rt") as fh:
        rows = [line.strip().split(",") for line in fh if line.strip()]
    table = np.array(rows, dtype="<U1")
    X, y = table[:, 1:], (table[:, 0] == "p").astype(np.int64)
    if return_X_y:
        return X, y
    return Bunch(X=X, y=y, feature_names=list(MUSHROOM_FEATURES), target_names=["edible", "poisonous"],
                 description="UCI Mushroom (Schlimmer, 1987)")


def load_digits(*, split="all", return_X_y=False):
    """UCI optical digits: X (n, 64) pixel counts 0–16 of 8×8 images, y digit 0–9.

    ``split`` is "train" (3,823 rows), "test" (1,797) or "all" (5,620).
    UCI dataset 80 (CC BY 4.0).
    """
    return_X_y = flag(return_X_y, "return_X_y", "load_digits")
    if not isinstance(split, str) or split not in ("train", "test", "all"):
        raise ValueError(f"load_digits: split must be 'train', 'test' or 'all', got {split!r}")
    parts = {"train": ["optdigits.tra.gz"], "test": ["optdigits.tes.gz"],
             "all": ["optdigits.tra.gz", "optdigits.tes.gz"]}[split]
    raw = np.vstack([read_csv_floats(p) for p in parts])
    X, y = raw[:, :64], raw[:, 64].astype(np.int64)
    if return_X_y:
        return X, y
    return Bunch(X=X, y=y, images=X.reshape(-1, 8, 8), target_names=list(range(10)),
                 description="UCI Optical Recognition of Handwritten Digits (8x8)")
