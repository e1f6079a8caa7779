"""pyml makes waiting OpenMP threads spin briefly, then sleep, unless the user chose a policy (issue 13: a
busy machine must not make all-threads fits slower than one thread; an idle one must keep the 2-thread gain)."""
import os
import subprocess
import sys


def _env_after_import(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")}
    base.update(env)
    code = ("import os, pyml; print(*(os.environ.get(k) for k in ('OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', "
            "'KMP_BLOCKTIME')))")
    out = subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True,
                         cwd="/")
    return out.stdout.split()


def test_short_spin_by_default_and_the_users_choice_kept():
    assert _env_after_import() == ["ACTIVE", "3000", "1"]
    assert _env_after_import(OMP_WAIT_POLICY="PASSIVE") == ["PASSIVE", "None", "None"]
    assert _env_after_import(GOMP_SPINCOUNT="10000") == ["None", "10000", "None"]
    assert _env_after_import(KMP_BLOCKTIME="0") == ["None", "None", "0"]


def test_info_reports_the_policy():
    out = subprocess.run([sys.executable, "-m", "pyml.cli", "info"], capture_output=True, text=True, check=True,
                         cwd="/", env={k: v for k, v in os.environ.items()
                                       if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")})
    assert "omp_wait_policy" in out.stdout and "ACTIVE, GOMP_SPINCOUNT=3000, KMP_BLOCKTIME=1" in out.stdout
