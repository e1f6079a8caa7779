"""Model selection: data splitting (and, with Course 2, cross-validation)."""
from pyml.model_selection._split import train_test_split

__all__ = ["train_test_split"]
