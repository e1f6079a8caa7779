"""Once scikit-learn is imported, its exception and warning classes catch pyml's."""
import warnings

import numpy as np
import pytest

sk_exceptions = pytest.importorskip("sklearn.exceptions")


def test_sklearn_convergence_warning_catches_pyml_warnings():
    from pyml.exceptions import ConvergenceWarning
    from pyml.linear_model import LinearRegression

    X = np.random.default_rng(0).normal(size=(30, 2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LinearRegression(solver="gd", max_iter=2, tol=1e-12).fit(X, X[:, 0])
    (w,) = [c for c in caught if issubclass(c.category, ConvergenceWarning)]
    assert issubclass(w.category, sk_exceptions.ConvergenceWarning)
    with pytest.warns(sk_exceptions.ConvergenceWarning):
        LinearRegression(solver="gd", max_iter=2, tol=1e-12).fit(X, X[:, 0])


def test_sklearn_data_conversion_warning_and_not_fitted_error():
    from pyml.linear_model import LinearRegression

    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.warns(sk_exceptions.DataConversionWarning):
        LinearRegression().fit(X, X[:, :1])
    with pytest.raises(sk_exceptions.NotFittedError):
        LinearRegression().predict(X)


def test_pyml_does_not_import_sklearn():
    import subprocess
    import sys

    code = ("import warnings, numpy as np, sys\n"
            "from pyml.linear_model import LinearRegression\n"
            "X = np.random.default_rng(0).normal(size=(30, 2))\n"
            "with warnings.catch_warnings():\n"
            "    warnings.simplefilter('ignore')\n"
            "    LinearRegression(solver='gd', max_iter=2, tol=1e-12).fit(X, X[:, 0])\n"
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", check=True)
    assert out.stdout.strip() == "False"


def test_warnings_inside_fit_point_at_the_callers_line():
    """The feature-name wrappers around fit add no frame: stacklevel still reaches user code."""
    from pyml.exceptions import ConvergenceWarning
    from pyml.linear_model import LinearRegression

    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.warns(ConvergenceWarning) as record:
        LinearRegression(solver="gd", max_iter=2, tol=1e-12).fit(X, X[:, 0])
    assert record[0].filename == __file__
