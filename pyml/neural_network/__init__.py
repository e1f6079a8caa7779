"""Neural networks (Course 2, and the Course 3 content-based recommender): a Keras-like
``Sequential`` API, a functional ``Model`` (graphs of Dense / Sequential towers, ``l2_normalize``,
``Dot``, ``Concatenate``), scikit-learn-style
``MLPClassifier``/``MLPRegressor`` and the course's from-scratch functions, all on
compiled kernels (fused dense layers, fused softmax + cross-entropy, one C call
per training epoch), with ``LeakyReLU`` and ``Dropout`` layers.

Keras's namespaces are here too: ``activations``, ``callbacks``, ``layers``, ``losses``,
``optimizers``, ``regularizers`` and ``utils`` (``to_categorical``), so
``from pyml.neural_network import layers, regularizers`` reads like
``from tensorflow.keras import layers, regularizers``."""
from pyml.neural_network._functions import dense, leaky_relu, linear, relu, sequential, sigmoid, softmax, tanh
from pyml.neural_network._core_layers import Dropout, LeakyReLU
from pyml.neural_network._errors import NotCompiledError  # noqa: F401 - importable, not in __all__
from pyml.neural_network._functional import Concatenate, Dot, L2Normalize, Model, l2_normalize
from pyml.neural_network._layers import L2, Dense, Input, SymbolicTensor, set_seed
from pyml.neural_network._losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)
from pyml.neural_network._mlp import MLPClassifier, MLPRegressor
from pyml.neural_network._normalization import Normalization
from pyml.neural_network._optimizers import SGD, Adam
from pyml.neural_network._sequential import Sequential, load_model, soft_update
from pyml.utils.callbacks import Callback, EarlyStopping, History
from pyml.neural_network import activations, callbacks, layers, losses, optimizers, regularizers, utils  # noqa: E402
from pyml.neural_network.utils import to_categorical

__all__ = [
    "Adam", "BinaryCrossentropy", "CategoricalCrossentropy", "Concatenate", "Dense", "Dot", "Dropout",
    "EarlyStopping", "LeakyReLU", "leaky_relu",
    "History", "Input", "L2", "L2Normalize", "Loss", "MLPClassifier", "MLPRegressor", "MeanSquaredError", "Model",
    "SGD", "Sequential", "SparseCategoricalCrossentropy", "SymbolicTensor", "dense", "l2_normalize", "linear",
    "load_model", "relu", "sequential", "set_seed", "sigmoid", "soft_update", "softmax", "tanh",
    "Callback", "Normalization", "to_categorical",
    "activations", "callbacks", "layers", "losses", "optimizers", "regularizers", "utils",
]
