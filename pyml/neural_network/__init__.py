"""Neural networks (Course 2): a Keras-like ``Sequential`` API, scikit-learn-style
``MLPClassifier``/``MLPRegressor`` and the course's from-scratch functions, all on
compiled kernels (fused dense layers, fused softmax + cross-entropy, one C call
per training epoch)."""
from pyml.neural_network._functions import dense, linear, relu, sequential, sigmoid, softmax, tanh
from pyml.neural_network._layers import L2, Dense, Input
from pyml.neural_network._losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)
from pyml.neural_network._mlp import MLPClassifier, MLPRegressor
from pyml.neural_network._optimizers import SGD, Adam
from pyml.neural_network._sequential import Sequential, load_model, soft_update
from pyml.utils.callbacks import EarlyStopping, History

__all__ = [
    "Adam", "BinaryCrossentropy", "CategoricalCrossentropy", "Dense", "EarlyStopping", "History", "Input", "L2",
    "Loss", "MLPClassifier", "MLPRegressor", "MeanSquaredError", "SGD", "Sequential",
    "SparseCategoricalCrossentropy", "dense", "linear", "load_model", "relu", "sequential", "sigmoid", "soft_update",
    "softmax", "tanh",
]
