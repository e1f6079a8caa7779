"""Keras's ``layers`` namespace: ``Dense``, ``Input``, ``Normalization`` and the functional-API layers."""
from pyml.neural_network._functional import Concatenate, Dot, L2Normalize
from pyml.neural_network._layers import Dense, Input
from pyml.neural_network._normalization import Normalization

__all__ = ["Dense", "Input", "Normalization", "Concatenate", "Dot", "L2Normalize"]
