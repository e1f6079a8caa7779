"""Base estimator contract, validation, thread resolution, train_test_split, datasets, CLI."""
import os

import numpy as np
import pytest

from pyml.base import BaseEstimator, clone
from pyml.datasets import load_breast_cancer, load_diabetes, load_digits, load_mushroom, make_microchip_qa
from pyml.model_selection import train_test_split
from pyml.utils import check_array, resolve_n_jobs, threads_for_work, usable_cpu_count


class Toy(BaseEstimator):
    def __init__(self, a=1, b="x", nested=None):
        self.a, self.b, self.nested = a, b, nested


def test_get_set_params_nested_and_clone():
    t = Toy(a=2, nested=Toy(a=5))
    assert t.get_params()["nested__a"] == 5
    t.set_params(nested__a=7, b="y")
    assert t.nested.a == 7 and t.b == "y"
    c = clone(t)
    assert c is not t and c.nested is not t.nested and c.get_params(deep=False)["a"] == 2
    assert repr(Toy(a=3)) == "Toy(a=3)"


def test_check_array_messages():
    with pytest.raises(ValueError, match="Reshape your data"):
        check_array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"NaN \(first at index \(1, 0\)\)"):
        check_array([[1.0], [np.nan]])
    with pytest.raises(ValueError, match="infinity"):
        check_array([[1.0], [np.inf]])
    assert check_array(np.ones((3, 2), dtype=np.float32)).dtype == np.float32
    assert check_array(np.ones((3, 2), dtype=np.int8)).dtype == np.float64
    assert check_array(np.ones((4, 6))[:, ::2]).flags.c_contiguous


def test_thread_resolution(monkeypatch):
    n = usable_cpu_count()
    assert resolve_n_jobs(None) == n and resolve_n_jobs(-1) == n and resolve_n_jobs(3) == 3
    assert resolve_n_jobs(-2) == max(1, n - 1)
    with pytest.raises(ValueError, match="n_jobs == 0"):
        resolve_n_jobs(0)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert usable_cpu_count() == 1
    assert threads_for_work(8, 10_000, 4096) == 2


def test_train_test_split_seeded_and_stratified():
    X = np.arange(200).reshape(100, 2)
    y = np.r_[np.zeros(80), np.ones(20)]
    a = train_test_split(X, y, test_size=0.25, random_state=3)
    b = train_test_split(X, y, test_size=0.25, random_state=3)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    Xtr, Xte, ytr, yte = a
    assert len(Xte) == 25 and len(Xtr) == 75
    assert sorted(np.r_[Xtr[:, 0], Xte[:, 0]].tolist()) == list(range(0, 200, 2))
    _, _, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    assert yte.mean() == pytest.approx(0.2) and ytr.mean() == pytest.approx(0.2)
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(X, test_size=1.5)


def test_bundled_datasets_shapes():
    assert load_diabetes().X.shape == (442, 10)
    X, y = load_breast_cancer(return_X_y=True)
    assert X.shape == (569, 30) and y.sum() == 357
    assert load_mushroom().X.shape == (8124, 22)
    assert load_digits(split="test").X.shape == (1797, 64)
    X, y = make_microchip_qa(50, random_state=0)
    X2, y2 = make_microchip_qa(50, random_state=0)
    np.testing.assert_array_equal(X, X2)


def test_cli_info_version_and_tour(tmp_path, capsys):
    from pyml.cli import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "openmp" in out and "float32, float64" in out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert "pyml 0.1.0" in capsys.readouterr().out
    assert main(["tour", "--chapter", "c1", "--out", str(tmp_path), "--no-sklearn"]) == 0
    out = capsys.readouterr().out
    assert "LogisticRegression(newton)" in out and "test accuracy" in out
    assert any(p.startswith("c1-") for p in os.listdir(tmp_path))
    with pytest.raises(SystemExit) as exit_info:
        main(["tour", "--chapter", "nope"])
    assert exit_info.value.code == 2 and "unknown chapter nope" in capsys.readouterr().err
