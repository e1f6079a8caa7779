"""pyml makes idle OpenMP threads sleep (passive waiting) unless the user chose a policy (issue 13: a
busy machine must not make all-threads fits slower than one thread)."""
import os
import subprocess
import sys


def _env_after_import(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    base.update(env)
    code = "import os, pyml; print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'))"
    out = subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True,
                         cwd="/")
    return out.stdout.split()


def test_passive_by_default_and_the_users_choice_kept():
    assert _env_after_import() == ["PASSIVE", "None"]
    assert _env_after_import(OMP_WAIT_POLICY="ACTIVE") == ["ACTIVE", "None"]
    assert _env_after_import(GOMP_SPINCOUNT="10000") == ["None", "10000"]


def test_info_reports_the_policy():
    out = subprocess.run([sys.executable, "-m", "pyml.cli", "info"], capture_output=True, text=True, check=True,
                         cwd="/", env={k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"})
    assert "omp_wait_policy" in out.stdout and "PASSIVE" in out.stdout
