"""Ctrl-C lands within a second inside ONE long kernel call (k-means++ seeding,
one exact or histogram tree, a forest, one neural-network epoch): the kernels poll a SIGINT flag between
units of work, the binding raises KeyboardInterrupt. Each case runs in a
subprocess that is sent SIGINT while the call is in flight; the child reports
the delay between the signal and the KeyboardInterrupt."""
import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery to a subprocess")

SETUP = """
import sys, time, signal, numpy as np
rng = np.random.default_rng(0)
"""

CASES = {
    "kmeans++ seeding": SETUP + """
from pyml.cluster import kmeans_plusplus
X = rng.standard_normal((300_000, 16))
call = lambda: kmeans_plusplus(X, 2000, random_state=0)
""",
    "exact tree": SETUP + """
from pyml.tree import DecisionTreeRegressor
X = rng.standard_normal((600_000, 12)); y = rng.standard_normal(600_000)
call = lambda: DecisionTreeRegressor(splitter="exact").fit(X, y)
""",
    "hist forest": SETUP + """
from pyml.ensemble import RandomForestRegressor
X = rng.standard_normal((200_000, 12)); y = rng.standard_normal(200_000)
call = lambda: RandomForestRegressor(n_estimators=400, random_state=0).fit(X, y)
""",
}

NN_CASES = {
    "Sequential epoch": SETUP + """
from pyml.neural_network import Dense, Input, Sequential
X = rng.standard_normal((400_000, 64)).astype(np.float32); y = rng.standard_normal(400_000).astype(np.float32)
model = Sequential([Input(shape=(64,)), Dense(512, activation="relu"), Dense(512, activation="relu"), Dense(1)],
                   random_state=0)
model.compile(loss="mse", optimizer="adam")
call = lambda: model.fit(X, y, epochs=1, batch_size=64, verbose=0)
""",
    "functional Model epoch": SETUP + """
from pyml.neural_network import Dense, Dot, Input, Model, Sequential, l2_normalize
U = rng.standard_normal((400_000, 14)).astype(np.float32); I = rng.standard_normal((400_000, 16)).astype(np.float32)
y = rng.standard_normal(400_000).astype(np.float32)
tu = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(32)])
ti = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(32)])
iu, ii = Input(shape=(14,)), Input(shape=(16,))
model = Model([iu, ii], Dot(axes=1)([l2_normalize(tu(iu), axis=1), l2_normalize(ti(ii), axis=1)]))
model.compile(loss="mse", optimizer="adam")
call = lambda: model.fit([U, I], y, epochs=1, batch_size=32, verbose=0)
""",
}
CASES.update(NN_CASES)


RUN = """
print("ready", flush=True)
sys.stdin.readline()
t0 = time.perf_counter()
try:
    call()
except KeyboardInterrupt:
    stamp = float(open(sys.argv[1]).read())
    print(f"interrupted {time.time() - stamp:.3f} after {time.perf_counter() - t0:.3f}", flush=True)
    sys.exit(0)
print(f"finished {time.perf_counter() - t0:.3f}", flush=True)
sys.exit(1)
"""


@pytest.mark.parametrize("case", sorted(CASES))
def test_sigint_stops_a_long_kernel_within_a_second(case, tmp_path):
    stamp = tmp_path / "stamp"
    # cwd outside the source tree: `python -c` puts the cwd first on sys.path
    proc = subprocess.Popen([sys.executable, "-c", CASES[case] + RUN, str(stamp)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        time.sleep(0.6)                       # the call is now deep inside the kernel
        stamp.write_text(repr(time.time()))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, f"{case}: not interrupted ({out.strip()}) {err[-2000:]}"
    delay = float(out.split()[1])
    assert delay < 1.0, f"{case}: KeyboardInterrupt came {delay:.2f} s after SIGINT"


def test_guard_restores_python_handler_and_results_unchanged():
    """After a guarded kernel call Python's SIGINT handler is back in place and
    the computed result does not depend on the guard."""
    import numpy as np

    from pyml.cluster import kmeans_plusplus

    before = signal.getsignal(signal.SIGINT)
    X = np.random.default_rng(1).standard_normal((2000, 3))
    c1, i1 = kmeans_plusplus(X, 5, random_state=0)
    c2, i2 = kmeans_plusplus(X, 5, random_state=0)
    assert signal.getsignal(signal.SIGINT) is before
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_array_equal(c1, c2)



@pytest.mark.parametrize("case", sorted(NN_CASES))
def test_interrupted_epoch_keeps_the_optimiser_step_count(case, tmp_path):
    """After Ctrl-C inside an epoch the model holds the weights of the last finished mini-batch and its
    optimiser counted exactly those steps (so fit resumes correctly)."""
    script = CASES[case] + """
import threading, os, signal as sg
threading.Timer(0.5, lambda: os.kill(os.getpid(), sg.SIGINT)).start()
try:
    call()
    sys.exit(3)
except KeyboardInterrupt:
    pass
t = model.optimizer.iterations
w = model.get_weights()
ok = 0 < t < 400_000 // (64 if "Sequential" in %r else 32) and all(np.isfinite(a).all() for a in w)
sys.exit(0 if ok else 4)
""" % case
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
