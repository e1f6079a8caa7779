"""Keras's ``layers`` namespace: ``Dense``, ``Input``, ``Normalization``, ``LeakyReLU``, ``Dropout``
and the functional-API layers."""
from pyml.neural_network._core_layers import Dropout, LeakyReLU
from pyml.neural_network._functional import Concatenate, Dot, L2Normalize
from pyml.neural_network._layers import Dense, Input
from pyml.neural_network._normalization import Normalization

__all__ = ["Dense", "Input", "Normalization", "LeakyReLU", "Dropout", "Concatenate", "Dot", "L2Normalize"]
