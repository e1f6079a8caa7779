"""Ctrl-C lands within a second inside ONE long kernel call (k-means++ seeding,
one exact or histogram tree, a forest): the kernels poll a SIGINT flag between
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
    proc = subprocess.Popen([sys.executable, "-c", CASES[case] + RUN, str(stamp)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
