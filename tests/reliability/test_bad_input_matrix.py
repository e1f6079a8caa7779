"""The bad-input matrix (issue 13): every estimator through NaN/inf, wrong shapes, empty input, odd
dtypes and layouts, predict-before-fit, feature-count mismatch and bad hyper-parameters.

Each estimator's cases run in a fresh process (_bad_input_runner.py), so a crash or a hang fails
the test. Expected outcome per case: it works (and layouts give the contiguous answer), or it
raises a ValueError / TypeError whose message names the input; never another exception type,
never a non-finite answer.
"""
import json
import os
import subprocess
import sys

import pytest

RUNNER = os.path.join(os.path.dirname(__file__), "_bad_input_runner.py")
ESTIMATORS = ["LinearRegression", "LinearRegression-gd", "LogisticRegression", "DecisionTreeClassifier",
              "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
              "GradientBoostingClassifier", "GradientBoostingRegressor", "MLPClassifier", "MLPRegressor", "KMeans",
              "MiniBatchKMeans", "GaussianAnomalyDetector", "StandardScaler", "MinMaxScaler", "PolynomialFeatures",
              "PCA"]

SAME_ANSWER = ("list", "fortran", "non-contiguous", "read-only", "big-endian")
MUST_WORK = SAME_ANSWER + ("float32", "float16", "int")
# case -> words one of which the error message must contain (it names the input)
MUST_FAIL = {
    "X-nan": ("X", "NaN"), "X-inf": ("X", "infinity"), "X-neg-inf": ("X", "infinity"), "X-1d": ("X",),
    "X-3d": ("X",), "X-empty": ("X", "sample"), "X-no-features": ("X", "feature"), "X-strings": ("X",),
    "X-complex": ("X", "omplex"), "y-nan": ("y",), "y-inf": ("y",), "y-short": ("y", "samples"),
    "y-strings-object": ("y",), "sw-nan": ("sample_weight",), "sw-negative": ("sample_weight",),
    "sw-short": ("sample_weight",), "sw-inf": ("sample_weight",), "predict-before-fit": ("fit",),
    "predict-wrong-features": ("feature",), "predict-nan": ("X", "NaN"),
}
# multi-output targets are legitimate for these
MULTI_OUTPUT = {"MLPRegressor", "DecisionTreeRegressor", "RandomForestRegressor", "LinearRegression",
                "LinearRegression-gd"}


def _results(name):
    proc = subprocess.run([sys.executable, RUNNER, name], capture_output=True, text=True, timeout=900, cwd="/")
    assert proc.returncode == 0, f"{name}: the runner crashed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _problem(name, case, r):
    outcome = r["outcome"]
    if outcome in ("hang", "bad-error"):
        return f"{outcome} {r.get('type', '')}: {r.get('message', '')}"
    if outcome == "ok" and r.get("finite") is False:
        return "accepted, but the answer is not finite"
    if case in SAME_ANSWER and outcome == "ok" and not r.get("same"):
        return "works, but the answer differs from the contiguous float64 one"
    if case in MUST_WORK and outcome != "ok":
        return f"should work: {r.get('message')}"
    if case == "y-2d-columns" and name in MULTI_OUTPUT:
        return None
    expected = MUST_FAIL.get(case) or (("y",) if case == "y-2d-columns" else None)
    if case.startswith("param-"):
        param, value = case[len("param-"):].split("=", 1)
        if outcome == "error" and param not in r["message"]:
            return f"the error does not name {param!r}: {r['message']}"
        if outcome == "ok" and value in ("nan", "inf", "'abc'"):
            return "a NaN / inf / string hyper-parameter was accepted"
        return None
    if expected is not None:
        if outcome == "ok":
            return "accepted (should be a clear error)"
        if not any(word in r["message"] for word in expected):
            return f"the message names none of {expected}: {r['message']}"
    return None


def test_bad_input_matrix_of_the_lab_functions():
    results = _results("functions")
    assert len(results) > 30
    problems = {}
    for case, r in results.items():
        if case.startswith("fail:") and r["outcome"] != "error":
            problems[case] = f"{r['outcome']} {r.get('type', '')}: {r.get('message', '')}"
        elif case.startswith("work:") and not (r["outcome"] == "ok" and r.get("same")):
            problems[case] = f"should work and equal the plain answer: {r}"
    assert not problems, "\n".join(f"{c}: {p}" for c, p in problems.items())


@pytest.mark.parametrize("name", ESTIMATORS)
def test_bad_input_matrix(name):
    results = _results(name)
    assert len(results) > 20
    problems = {case: p for case, r in results.items() if (p := _problem(name, case, r))}
    assert not problems, "\n".join(f"{name} {case}: {p}" for case, p in problems.items())
