"""A forked child never hangs (GNU OpenMP's pool does not survive fork): after a
multi-threaded fit in the parent, every estimator family fits in a forked child
(os.fork and a multiprocessing "fork" pool) with n_jobs=2, single-threaded, with
the same result and one ForkedChildWarning. Each check runs in a subprocess
under a timeout, so a hang fails the test instead of stalling the suite."""
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")

PARENT = """
import os, sys, time, signal, warnings
import numpy as np
from pyml.cluster import KMeans
from pyml.utils._threads import ForkedChildWarning
rng = np.random.default_rng(0)
Xbig = rng.standard_normal((120_000, 8))
KMeans(8, n_init=1, max_iter=3, random_state=0, n_jobs=2).fit(Xbig)   # starts the OpenMP pool
X = rng.standard_normal((3000, 6)); y01 = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
yr = X @ np.arange(6.0) + 0.1 * rng.standard_normal(3000)

def fit_all():
    from pyml.anomaly import GaussianAnomalyDetector
    from pyml.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from pyml.linear_model import LinearRegression, LogisticRegression
    from pyml.neural_network import Dense, Input, Sequential
    from pyml.tree import DecisionTreeClassifier
    out = [LinearRegression(solver="gd", max_iter=50, n_jobs=2).fit(X, yr).coef_,
           LogisticRegression(n_jobs=2).fit(X, y01).coef_.ravel(),
           KMeans(4, n_init=1, random_state=0, n_jobs=2).fit(Xbig[:20000]).cluster_centers_.ravel(),
           GaussianAnomalyDetector(n_jobs=2).fit(X).score_samples(X[:50]),
           DecisionTreeClassifier(max_depth=4, n_jobs=2).fit(X, y01).predict_proba(X[:50]).ravel(),
           RandomForestClassifier(8, max_depth=4, random_state=0, n_jobs=2).fit(X, y01).predict_proba(X[:50]).ravel(),
           GradientBoostingClassifier(n_estimators=5, random_state=0, n_jobs=2).fit(X, y01).predict_proba(X[:50]).ravel()]
    m = Sequential([Input(shape=(6,)), Dense(16, activation="relu"), Dense(1)], random_state=0, n_jobs=2)
    m.compile(loss="mse", optimizer="adam"); m.fit(X, yr, epochs=2, verbose=0)
    out.append(m.predict(X[:50]).ravel())
    return np.concatenate([np.asarray(o, dtype=np.float64).ravel() for o in out])

reference = fit_all()
"""

FORK_CHILD = PARENT + """
pid = os.fork()
if pid == 0:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = fit_all()
    n_warn = sum(issubclass(w.category, ForkedChildWarning) for w in caught)
    os._exit(0 if np.array_equal(got, reference) and n_warn == 1 else 3)
t0 = time.time()
while time.time() - t0 < 60:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        sys.exit(os.waitstatus_to_exitcode(status))
    time.sleep(0.05)
os.kill(pid, signal.SIGKILL)
sys.exit(9)
"""

FORK_POOL = PARENT + """
import multiprocessing as mp

def job(i):
    warnings.simplefilter("ignore", ForkedChildWarning)
    return fit_all()

with mp.get_context("fork").Pool(2) as pool:
    res = pool.map_async(job, range(2))
    results = res.get(timeout=60)
sys.exit(0 if all(np.array_equal(r, reference) for r in results) else 3)
"""


@pytest.mark.parametrize("script", [FORK_CHILD, FORK_POOL], ids=["os.fork", "multiprocessing-fork-pool"])
def test_forked_child_fits_without_hanging(script, tmp_path):
    path = tmp_path / "fork_script.py"
    path.write_text(textwrap.dedent(script))
    try:
        proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=150)
    except subprocess.TimeoutExpired:  # pragma: no cover - the bug this test guards against
        pytest.fail("a forked child hung in an OpenMP kernel")
    assert proc.returncode == 0, f"exit {proc.returncode} (9: child hung, 3: wrong result/warning)\\n{proc.stderr[-3000:]}"


def test_resolve_n_jobs_caps_only_forked_children():
    from pyml.utils import _threads

    saved = dict(_threads._state)
    try:
        _threads._state.update(pool_maybe_started=False, single_threaded_child=False, warned=False)
        assert _threads.resolve_n_jobs(2) == 2 and _threads._state["pool_maybe_started"]
        _threads._after_fork_in_child()
        with pytest.warns(_threads.ForkedChildWarning, match="spawn"):
            assert _threads.resolve_n_jobs(2) == 1
        assert _threads.threads_for_work(2, 10**9) == 1 and _threads.resolve_n_jobs(1) == 1
    finally:
        _threads._state.update(saved)
