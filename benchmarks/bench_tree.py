"""W3 / W4 / W5: decision tree, random forest and gradient-boosted trees (BENCHMARKS.md).

W3: make_classification(n_samples=200_000, n_features=20, n_informative=10, random_state=0), 80/20 split;
    entropy, max_depth=10. Fit time, test accuracy. Peer: scikit-learn DecisionTreeClassifier.
W4: same generator with n_samples=100_000; 100 trees, max_depth=10. Fit and predict time, test accuracy;
    n_jobs 1 and 2. Peer: scikit-learn RandomForestClassifier.
W5: W3's data; 200 rounds, learning rate 0.1, depth 6 / 63 leaves. Fit time, test accuracy and log-loss.
    Peers: XGBoost (tree_method="hist", max_depth=6), LightGBM (num_leaves=63), scikit-learn
    HistGradientBoostingClassifier (max_leaf_nodes=63). pyml runs both shapes: max_depth=6 (vs XGBoost) and
    max_leaves=63 leaf-wise (vs LightGBM / HGB).
Quality (``extra_info["quality"]``): test accuracy (W3, W4) and test log-loss (W5; accuracy in
``extra_info["accuracy"]``).
Run:  python benchmarks/run.py -k bench_tree      (PYML_BENCH_SMALL=1 for a smoke run)
(``record`` is the fixture of benchmarks/conftest.py.)
"""
import os

import numpy as np
from _bench_common import thread_limits as _limits
import pytest

sk_datasets = pytest.importorskip("sklearn.datasets")
sk_ms = pytest.importorskip("sklearn.model_selection")

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")
N_W3 = 20_000 if SMALL else 200_000
N_W4 = 10_000 if SMALL else 100_000
TREES_W4 = 20 if SMALL else 100
ROUNDS_W5 = 30 if SMALL else 200
THREADS = [1, 2]
ROUNDS = 1 if SMALL else 3

_CACHE = {}


def data(n):
    if n not in _CACHE:
        _CACHE.clear()
        X, y = sk_datasets.make_classification(n_samples=n, n_features=20, n_informative=10, random_state=0)
        _CACHE[n] = sk_ms.train_test_split(X, y, test_size=0.2, random_state=0)
    return _CACHE[n]


def _log_loss(y, p):
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


# ------------------------------------------------------------------ W3 ----

@pytest.mark.parametrize("threads", THREADS)
def bench_w3_pyml_tree(benchmark, record, threads):
    # the default splitter ("exact": scikit-learn's candidate thresholds)
    from pyml.tree import DecisionTreeClassifier

    Xtr, Xte, ytr, yte = data(N_W3)
    model = benchmark.pedantic(
        lambda: DecisionTreeClassifier(criterion="entropy", max_depth=10, n_jobs=threads).fit(Xtr, ytr),
        rounds=ROUNDS, iterations=1, warmup_rounds=1)
    record(benchmark, "W3", "pyml", threads, "exact splitter", float(model.score(Xte, yte)))


@pytest.mark.parametrize("threads", THREADS)
def bench_w3_pyml_tree_hist(benchmark, record, threads):
    from pyml.tree import DecisionTreeClassifier

    Xtr, Xte, ytr, yte = data(N_W3)
    model = benchmark.pedantic(
        lambda: DecisionTreeClassifier(criterion="entropy", max_depth=10, splitter="hist", n_jobs=threads).fit(
            Xtr, ytr), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    record(benchmark, "W3", "pyml", threads, "hist splitter (255 bins)", float(model.score(Xte, yte)))


def bench_w3_sklearn_tree(benchmark, record):
    from sklearn.tree import DecisionTreeClassifier

    Xtr, Xte, ytr, yte = data(N_W3)
    model = benchmark.pedantic(
        lambda: DecisionTreeClassifier(criterion="entropy", max_depth=10, random_state=0).fit(Xtr, ytr),
        rounds=ROUNDS, iterations=1, warmup_rounds=0)
    # scikit-learn's tree has no threads: its one time is the peer of every pyml W3 row
    record(benchmark, "W3", "sklearn", 1, "", float(model.score(Xte, yte)), pair_all=True)


# ------------------------------------------------------------------ W4 ----

@pytest.mark.parametrize("threads", THREADS)
def bench_w4_pyml_forest(benchmark, record, threads):
    from pyml.ensemble import RandomForestClassifier

    Xtr, Xte, ytr, yte = data(N_W4)
    model = benchmark.pedantic(
        lambda: RandomForestClassifier(n_estimators=TREES_W4, max_depth=10, n_jobs=threads, random_state=0).fit(
            Xtr, ytr), rounds=ROUNDS, iterations=1, warmup_rounds=0)
    record(benchmark, "W4 fit", "pyml", threads, "", float(model.score(Xte, yte)))


@pytest.mark.parametrize("threads", THREADS)
def bench_w4_sklearn_forest(benchmark, record, threads):
    from sklearn.ensemble import RandomForestClassifier

    Xtr, Xte, ytr, yte = data(N_W4)
    model = benchmark.pedantic(
        lambda: RandomForestClassifier(n_estimators=TREES_W4, max_depth=10, n_jobs=threads, random_state=0).fit(
            Xtr, ytr), rounds=ROUNDS, iterations=1, warmup_rounds=0)
    record(benchmark, "W4 fit", "sklearn", threads, "", float(model.score(Xte, yte)))


_FORESTS = {}


def _fitted_forest(lib, threads):
    key = (lib, threads)
    if key not in _FORESTS:
        Xtr, Xte, ytr, yte = data(N_W4)
        if lib == "pyml":
            from pyml.ensemble import RandomForestClassifier
        else:
            from sklearn.ensemble import RandomForestClassifier
        _FORESTS[key] = RandomForestClassifier(n_estimators=TREES_W4, max_depth=10, n_jobs=threads,
                                               random_state=0).fit(Xtr, ytr)
    return _FORESTS[key]


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("lib", ["pyml", "sklearn"])
def bench_w4_predict(benchmark, record, lib, threads):
    pytest.importorskip("sklearn.ensemble")
    model = _fitted_forest(lib, threads)
    Xtr, Xte, ytr, yte = data(N_W4)
    proba = benchmark.pedantic(model.predict_proba, args=(Xte,), rounds=5, iterations=1, warmup_rounds=1)
    acc = float(np.mean(model.classes_[np.argmax(proba, axis=1)] == yte))
    record(benchmark, "W4 predict", lib if lib == "pyml" else "sklearn", threads, "", acc)


# ------------------------------------------------------------------ W5 ----

def _w5_quality(benchmark, record, workload, impl, threads, variant, model, Xte, yte):
    p = np.asarray(model.predict_proba(Xte))[:, 1]
    record(benchmark, workload, impl, threads, variant, _log_loss(yte, p))
    benchmark.extra_info["accuracy"] = float(np.mean((p > 0.5).astype(int) == yte))


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("shape", ["depth6", "leaves63"])
def bench_w5_pyml_boosting(benchmark, record, shape, threads):
    from pyml.ensemble import GradientBoostingClassifier

    Xtr, Xte, ytr, yte = data(N_W3)
    kw = dict(max_depth=6) if shape == "depth6" else dict(max_depth=None, max_leaves=63)
    model = benchmark.pedantic(
        lambda: GradientBoostingClassifier(n_estimators=ROUNDS_W5, learning_rate=0.1, n_jobs=threads,
                                           random_state=0, **kw).fit(Xtr, ytr),
        rounds=ROUNDS, iterations=1, warmup_rounds=0)
    _w5_quality(benchmark, record, "W5", "pyml", threads, shape, model, Xte, yte)


@pytest.mark.parametrize("threads", THREADS)
def bench_w5_xgboost(benchmark, record, threads):
    xgb = pytest.importorskip("xgboost")
    Xtr, Xte, ytr, yte = data(N_W3)
    model = benchmark.pedantic(
        lambda: xgb.XGBClassifier(n_estimators=ROUNDS_W5, learning_rate=0.1, max_depth=6, tree_method="hist",
                                  max_bin=256, n_jobs=threads, random_state=0).fit(Xtr, ytr),
        rounds=ROUNDS, iterations=1, warmup_rounds=0)
    _w5_quality(benchmark, record, "W5", "xgboost", threads, "depth6", model, Xte, yte)


@pytest.mark.parametrize("threads", THREADS)
def bench_w5_lightgbm(benchmark, record, threads):
    lgb = pytest.importorskip("lightgbm")
    Xtr, Xte, ytr, yte = data(N_W3)
    model = benchmark.pedantic(
        lambda: lgb.LGBMClassifier(n_estimators=ROUNDS_W5, learning_rate=0.1, num_leaves=63, n_jobs=threads,
                                   random_state=0, verbose=-1).fit(Xtr, ytr),
        rounds=ROUNDS, iterations=1, warmup_rounds=0)
    _w5_quality(benchmark, record, "W5", "lightgbm", threads, "leaves63", model, Xte, yte)


@pytest.mark.parametrize("threads", THREADS)
def bench_w5_sklearn_hgb(benchmark, record, threads):
    sk = pytest.importorskip("sklearn.ensemble")
    Xtr, Xte, ytr, yte = data(N_W3)

    def fit():
        with _limits(threads):
            return sk.HistGradientBoostingClassifier(max_iter=ROUNDS_W5, learning_rate=0.1, max_leaf_nodes=63,
                                                     early_stopping=False, random_state=0).fit(Xtr, ytr)

    model = benchmark.pedantic(fit, rounds=ROUNDS, iterations=1, warmup_rounds=0)
    _w5_quality(benchmark, record, "W5", "sklearn", threads, "leaves63", model, Xte, yte)
