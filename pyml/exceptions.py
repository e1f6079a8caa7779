"""Exceptions and warnings raised by pyml (names match scikit-learn's)."""

__all__ = ["NotFittedError", "ConvergenceWarning", "DataConversionWarning", "InconsistentVersionWarning"]


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit``.

    Subclasses ValueError and AttributeError, as scikit-learn's does, so code
    written against either library catches it.
    """


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at ``max_iter`` before meeting its tolerance."""


class DataConversionWarning(UserWarning):
    """Input data was converted (e.g. a column-vector y flattened)."""


class InconsistentVersionWarning(UserWarning):
    """A pickled estimator is loaded by a different pyml version than saved it."""
