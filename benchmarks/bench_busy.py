"""WB (shared/BENCHMARKS.md): a busy machine. Each family's fit with all threads and with 1 thread while
one other process keeps one core busy (a pure-Python spin loop started here). Reported ratio:
all-threads time / 1-thread time under that load (target <= 1.5: threads must never make a fit much
slower when a core is taken).

Workloads (digits = pyml.datasets.load_digits, 5620 x 64):
  NN       the README's digits network 64-25-15-10 (relu, softmax from logits), 10 epochs, batch 32
  boosting GradientBoostingClassifier(n_estimators=30) on digits
  forest   RandomForestClassifier(n_estimators=60) on digits
  k-means  KMeans(16, n_init=1, max_iter=30) on 200_000 x 16 blobs
  GD       LinearRegression(solver="gd", max_iter=100) on 500_000 x 16
Run:  python benchmarks/run.py -k busy      (PYML_BENCH_SMALL=1 for a smoke run)
"""
import os
import subprocess
import sys

import numpy as np
import pytest

from pyml.utils import usable_cpu_count

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")
ALL = max(2, usable_cpu_count())


@pytest.fixture(scope="module")
def neighbour():
    """One other process spinning on one core for the whole module."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    yield proc
    proc.kill()
    proc.wait()


def _digits():
    from pyml.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def _nn(threads):
    from pyml.neural_network import Dense, Input, Sequential, SparseCategoricalCrossentropy

    X, y = _digits()
    model = Sequential([Input(shape=(64,)), Dense(25, activation="relu"), Dense(15, activation="relu"),
                        Dense(10)], random_state=0, n_jobs=threads)
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer="adam", metrics=["accuracy"])
    return lambda: model.fit(X, y, epochs=3 if SMALL else 10, batch_size=32, verbose=0), \
        lambda: model.evaluate(X, y)[1]


def _boosting(threads):
    from pyml.ensemble import GradientBoostingClassifier

    X, y = _digits()
    est = GradientBoostingClassifier(n_estimators=5 if SMALL else 30, n_jobs=threads)
    return lambda: est.fit(X, y), lambda: est.score(X, y)


def _forest(threads):
    from pyml.ensemble import RandomForestClassifier

    X, y = _digits()
    est = RandomForestClassifier(n_estimators=10 if SMALL else 60, random_state=0, n_jobs=threads)
    return lambda: est.fit(X, y), lambda: est.score(X, y)


def _kmeans(threads):
    from pyml.cluster import KMeans
    from pyml.datasets import make_blobs

    X, _ = make_blobs(20_000 if SMALL else 200_000, 16, centers=16, random_state=0)
    est = KMeans(16, n_init=1, max_iter=30, tol=0.0, random_state=0, n_jobs=threads)
    return lambda: est.fit(X), lambda: -est.inertia_


def _gd(threads):
    from pyml.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50_000 if SMALL else 500_000, 16))
    y = X @ rng.normal(size=16) + 1.0
    est = LinearRegression(solver="gd", max_iter=100, tol=0.0, n_jobs=threads)
    return lambda: est.fit(X, y), lambda: est.score(X, y)


FAMILIES = {"NN": _nn, "boosting": _boosting, "forest": _forest, "k-means": _kmeans, "GD": _gd}


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("threads", [1, ALL])
def bench_busy_machine(benchmark, record, neighbour, family, threads):
    fit, quality = FAMILIES[family](threads)
    fit()  # warm-up (thread pool, caches)
    benchmark.pedantic(fit, rounds=1 if SMALL else 5, iterations=1)
    # the 1-thread run is the reference ("peer") of the all-threads run: the ratio is all / 1 thread
    impl = "pyml" if threads == ALL else "same fit, 1 thread"
    record(benchmark, "WB", impl, ALL, family, float(quality()), 1)
