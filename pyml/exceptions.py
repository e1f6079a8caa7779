"""Exceptions and warnings raised by pyml (names match scikit-learn's).

When scikit-learn has been imported, pyml's warnings and ``NotFittedError`` are
raised as subclasses of both pyml's and scikit-learn's classes
(:func:`compatible_class`), so ``except sklearn.exceptions.NotFittedError`` or a
filter on ``sklearn.exceptions.ConvergenceWarning`` catches them too; pyml never
imports scikit-learn for this.
"""
import sys

__all__ = ["NotFittedError", "NonFiniteError", "ConvergenceWarning", "DataConversionWarning",
           "InconsistentVersionWarning", "compatible_class"]


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit``.

    Subclasses ValueError and AttributeError, as scikit-learn's does, so code
    written against either library catches it.
    """


class NonFiniteError(FloatingPointError, ValueError):
    """A fit diverged (its cost or weights became inf or NaN): the learning rate is too large for the
    data's scale, or the data's values are too large.

    A FloatingPointError, and a ValueError so that bad input and bad
    hyper-parameters are caught by the same ``except ValueError``.
    """


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at ``max_iter`` before meeting its tolerance."""


class DataConversionWarning(UserWarning):
    """Input data was converted (e.g. a column-vector y flattened)."""


class InconsistentVersionWarning(UserWarning):
    """A pickled estimator is loaded by a different pyml version than saved it."""


_DUAL = {}


def compatible_class(cls):
    """The class to raise or warn with: ``cls`` itself, or, once scikit-learn is imported, a
    subclass of ``cls`` and of scikit-learn's class of the same name."""
    if "sklearn" not in sys.modules:
        return cls
    if cls not in _DUAL:
        try:
            from sklearn import exceptions as sk
        except ImportError:  # a broken or partial scikit-learn: keep pyml's own class
            return cls
        theirs = getattr(sk, cls.__name__, None)
        _DUAL[cls] = cls if theirs is None else type(cls.__name__, (cls, theirs), {"__module__": __name__,
                                                                                   "__doc__": cls.__doc__})
    return _DUAL[cls]
