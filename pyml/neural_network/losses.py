"""Keras's ``losses`` namespace: the loss classes (every loss string of ``compile`` has one)."""
from pyml.neural_network._losses import (BinaryCrossentropy, CategoricalCrossentropy, Loss, MeanSquaredError,
                                         SparseCategoricalCrossentropy)

__all__ = ["Loss", "BinaryCrossentropy", "CategoricalCrossentropy", "MeanSquaredError",
           "SparseCategoricalCrossentropy"]
