"""Bundled-data helpers: ``Bunch`` results and paths inside the package."""
import gzip
import os
from importlib import resources

import numpy as np

__all__ = ["Bunch", "data_file", "read_csv_floats"]


class Bunch(dict):
    """A dict whose keys are also attributes (``data.X``, ``data["X"]``)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def __dir__(self):
        return list(self.keys())


def data_file(name):
    """Path of a file under ``pyml/datasets/data``."""
    path = resources.files("pyml.datasets").joinpath("data", name)
    if not os.path.exists(str(path)):
        raise FileNotFoundError(f"bundled data file {name!r} is missing from the pyml installation")
    return str(path)


def read_csv_floats(name, skiprows=0, delimiter=","):
    """A bundled (optionally gzipped) numeric CSV as a float64 array."""
    path = data_file(name)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt") as fh:
        return np.loadtxt(fh, delimiter=delimiter, skiprows=skiprows, ndmin=2)
