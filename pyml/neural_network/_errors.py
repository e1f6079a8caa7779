"""Exceptions of the Keras-style models."""

__all__ = ["NotCompiledError"]


class NotCompiledError(RuntimeError, ValueError):
    """``fit`` / ``evaluate`` / ``train_on_batch`` called before ``model.compile(...)``.

    A RuntimeError, the type Keras raises here, so ``except RuntimeError`` written for Keras
    keeps working; and a ValueError, so that it is caught with pyml's other usage errors
    (bad input, bad hyper-parameters, ``NotFittedError``) by one ``except ValueError``.
    """
