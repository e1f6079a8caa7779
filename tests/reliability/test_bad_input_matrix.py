"""The bad-input matrix (issue 13): every public estimator and function of pyml through NaN/inf, wrong
shapes, empty input, odd dtypes and layouts, predict-before-fit, feature-count mismatch and bad
hyper-parameters.

- The 18 core estimators: one generic table per estimator (_bad_input_runner.py ``_cases``).
- Everything else (recommender, encoders, model selection, Keras-style networks and their functions, the
  DQN stack, the labs, metrics, datasets, pyml.dask): the case groups of _bad_input_groups.py, each case
  with its own expectation.
- A coverage test walks every ``__all__`` and fails on a public class or function that is in neither the
  matrix nor EXCLUDED (with its reason), so new public names cannot slip through.

Each estimator's / group's cases run in a fresh process, so a crash or a hang fails the test. Expected
outcome per case: it works (and layouts give the contiguous answer), or it raises a ValueError / TypeError
(NotFittedError is a ValueError) whose message names the input; never another exception type, never a
non-finite answer. Known defects in files this suite's author could not edit are listed in KNOWN_DEFECTS
and run as xfail(strict=True).
"""
import fnmatch
import functools
import importlib
import inspect
import json
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import _bad_input_groups  # noqa: E402 - the case groups and the public names they cover

RUNNER = os.path.join(os.path.dirname(__file__), "_bad_input_runner.py")
ESTIMATORS = ["LinearRegression", "LinearRegression-gd", "LogisticRegression", "DecisionTreeClassifier",
              "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
              "GradientBoostingClassifier", "GradientBoostingRegressor", "MLPClassifier", "MLPRegressor", "KMeans",
              "MiniBatchKMeans", "GaussianAnomalyDetector", "StandardScaler", "MinMaxScaler", "PolynomialFeatures",
              "PCA"]

SAME_ANSWER = ("list", "fortran", "non-contiguous", "read-only", "big-endian", "object-numbers", "y-list-only",
               "big-endian-float32", "sw-ones-list", "y-string-labels", "y-bool-labels", "y-float-labels")
MUST_WORK = SAME_ANSWER + ("float32", "float16", "int", "bool")
# case -> words one of which the error message must contain (it names the input)
MUST_FAIL = {
    "X-nan": ("X", "NaN"), "X-inf": ("X", "infinity"), "X-neg-inf": ("X", "infinity"), "X-1d": ("X",),
    "X-3d": ("X",), "X-empty": ("X", "sample"), "X-no-features": ("X", "feature"), "X-strings": ("X",),
    "X-complex": ("X", "omplex"), "y-nan": ("y",), "y-inf": ("y",), "y-short": ("y", "samples"),
    "y-strings-object": ("y",), "sw-nan": ("sample_weight",), "sw-negative": ("sample_weight",),
    "sw-short": ("sample_weight",), "sw-inf": ("sample_weight",), "predict-before-fit": ("fit",),
    "predict-wrong-features": ("feature",), "predict-nan": ("X", "NaN"),
    "partial_fit-X-nan": ("X", "NaN"), "partial_fit-wrong-features": ("feature", "features"),
    "partial_fit-unseen-label": ("classes", "label", "labels", "y"),
}
# multi-output targets are legitimate for these
MULTI_OUTPUT = {"MLPRegressor", "DecisionTreeRegressor", "RandomForestRegressor", "LinearRegression",
                "LinearRegression-gd"}


@functools.lru_cache(maxsize=None)
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


# ---- the case groups of _bad_input_groups.py ------------------------------------------------------------------

GROUPS = sorted(_bad_input_groups.GROUPS)

# Known defects not fixed yet: (group, case pattern) -> reason. Each runs as xfail(strict=True) below, so a
# fix makes the suite ask for its entry's removal. None today (the 118 cases found on 2026-12-02 are fixed).
KNOWN_DEFECTS = {}


def _group_problem(r):
    outcome, expect = r["outcome"], r.get("expect")
    if outcome in ("hang", "bad-error"):
        return f"{outcome} {r.get('type', '')}: {r.get('message', '')}"
    if expect == "work":
        if outcome != "ok":
            return f"should work: {r.get('type')}: {r.get('message')}"
        if not r.get("same"):
            return "works, but the answer differs from the plain C-contiguous float64 one"
        return None
    if outcome == "ok":
        return "accepted (should be a clear ValueError/TypeError)"
    if not any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", r["message"]) for w in expect):
        return f"the message names none of {tuple(expect)}: {r['message']}"
    return None


def _known(group, case):
    return any(g == group and fnmatch.fnmatchcase(case, pattern) for g, pattern in KNOWN_DEFECTS)


def _group_results(group):
    if group == "dask":
        pytest.importorskip("dask.array", reason="the pyml.dask cases need dask: pip install 'pyml[dask]'")
    return _results(f"group:{group}")


def _matching(group, pattern):
    return {c: r for c, r in _group_results(group).items() if fnmatch.fnmatchcase(c, pattern)}


@pytest.mark.parametrize("group", GROUPS)
def test_bad_input_groups(group):
    results = _group_results(group)
    assert len(results) > 20
    problems = {case: p for case, r in results.items() if (p := _group_problem(r)) and not _known(group, case)}
    assert not problems, "\n".join(f"{group} {case}: {p}" for case, p in problems.items())


@pytest.mark.parametrize("group, pattern", [
    pytest.param(g, c, marks=pytest.mark.xfail(strict=True, reason=why), id=f"{g}:{c}")
    for (g, c), why in KNOWN_DEFECTS.items()])
def test_known_defects(group, pattern):
    """Fails (xfail) while any case of the pattern still shows its defect; passes (XPASS, an error under
    strict) once all are fixed, so the entry must then be deleted."""
    problems = {c: p for c, r in _matching(group, pattern).items() if (p := _group_problem(r))}
    assert not problems, problems


def test_known_defect_patterns_name_existing_cases():
    stale = [(g, c) for g, c in KNOWN_DEFECTS if not _matching(g, c)]
    assert not stale, f"KNOWN_DEFECTS entries that match no case: {stale}"


# ---- every public name is in the matrix or excluded with a reason ---------------------------------------------

ROOTS = ["pyml", "pyml.dask", "pyml.cli"]  # pyml.dask and pyml.cli are not in pyml.__all__ (optional / entry point)

# prefix (a module, or module.name) -> why its public names are not in the bad-input matrix
EXCLUDED = {
    "pyml.__version__": "a constant",
    "pyml.show_config": "prints the build configuration; takes no data",
    "pyml.get_config": "returns the build configuration; takes no data",
    "pyml.plot": "plots draw already-validated estimators and data (tests/plot, the figures helper's)",
    "pyml.cli": "the command-line tour (tests/utils/test_cli.py)",
    "pyml.base": "abstract base classes and mixins; clone / is_classifier / is_regressor take estimators, "
                 "exercised by every GridSearchCV / cross_val_score case",
    "pyml.exceptions": "exception and warning classes (compatible_class maps them to scikit-learn's)",
    "pyml.utils": "the validators and callback plumbing every case above goes through (tests/utils)",
    "pyml.neural_network.Callback": "the callback base class (tests/utils)",
    "pyml.neural_network.History": "the history callback, filled by fit (tests/neural_network)",
    "pyml.neural_network.callbacks": "the callback classes re-exported above",
    "pyml.neural_network.SymbolicTensor": "a graph node made by calling a layer on an Input, never built "
                                          "by hand",
    "pyml.neural_network.load_model": "reads a model file: damaged files are the model-file checks' job "
                                      "(tests/neural_network/test_model_resume.py)",
    "pyml.ensemble.load_model": "reads a model file: damaged files are tests/ensemble/test_model_files.py's",
    "pyml.tree.Tree": "the node arrays fit / load_model build, validated by tests/ensemble/test_model_files.py",
    "pyml.datasets.Bunch": "a dict container",
    "pyml.dask.ClusterError": "an exception class",
    "pyml.labs.c1_w2.load_data": "reads the course's data file from a path",
    "pyml.labs.c1_w3.load_data": "reads the course's data file from a path",
    "pyml.labs.c1_w2_multi.load_house_data": "reads the course's data file from a path",
}


def _public_names():
    """{"module.name": object} of every public class and function reachable through __all__."""
    out, seen = {}, set()

    def walk(modname):
        if modname in seen:
            return
        seen.add(modname)
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if inspect.ismodule(obj):
                if obj.__name__.startswith("pyml."):
                    walk(obj.__name__)
            else:
                out[f"{modname}.{name}"] = obj

    for root in ROOTS:
        walk(root)
    return out


def _covered_objects():
    """Objects the matrix exercises: the core estimators, the original function list and every group."""
    sys.path.insert(0, os.path.dirname(RUNNER))
    import _bad_input_runner as runner

    objs = {id(type(factory())) for factory, _, _ in runner._specs().values()}
    import pyml.anomaly as an
    import pyml.cluster as cl
    import pyml.linear_model as lm
    import pyml.metrics as me
    import pyml.model_selection as ms
    import pyml.recommender as rc
    import pyml.tree as tr
    core_functions = [an.estimate_gaussian, an.multivariate_gaussian, an.select_threshold, cl.compute_centroids,
                      cl.find_closest_centroids, cl.run_kmeans, lm.compute_cost, lm.compute_gradient,
                      lm.gradient_descent, lm.predict, lm.sigmoid, me.accuracy_score, me.f1_score, me.log_loss,
                      me.mean_squared_error, me.r2_score, ms.train_test_split, rc.cofi_cost_func,
                      rc.normalize_ratings, tr.compute_entropy, tr.compute_information_gain]
    objs |= {id(f) for f in core_functions}
    for group, names in _bad_input_groups.COVERED.items():
        for qual in names:
            modname, name = qual.rsplit(".", 1)
            objs.add(id(getattr(importlib.import_module(modname), name)))
    return objs


def _excluded(qual):
    return next((why for prefix, why in EXCLUDED.items() if qual == prefix or qual.startswith(prefix + ".")),
                None)


def test_every_public_name_is_in_the_matrix_or_excluded_with_a_reason():
    pytest.importorskip("dask")
    public = _public_names()
    assert len(public) > 150
    covered = _covered_objects()
    missing = sorted(q for q, obj in public.items()
                     if (inspect.isclass(obj) or callable(obj)) and id(obj) not in covered and not _excluded(q))
    assert not missing, ("public names neither in the bad-input matrix (_bad_input_groups.py / "
                         "_bad_input_runner.py) nor in EXCLUDED with a reason:\n" + "\n".join(missing))


def test_matrix_coverage_lists_name_real_public_objects():
    public = _public_names()
    for group, names in _bad_input_groups.COVERED.items():
        for qual in names:
            assert qual in public, f"group {group!r} covers {qual!r}, which is not a public name"
    stale = [prefix for prefix in EXCLUDED
             if prefix not in public and not any(q.startswith(prefix + ".") for q in public)]
    assert not stale, f"EXCLUDED entries naming nothing public: {stale}"
