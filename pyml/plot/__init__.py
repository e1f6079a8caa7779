"""Plots of every course algorithm (the only pyml package importing matplotlib).

Each plot computes once into a Display and draws onto a given ``ax``; the
returned display records what was drawn (``artists_``) for tests. ``plot(...)``
takes the data's names and units (``xlabel=``, ``feature_names=``, ``w_label=``,
``class_names=``, ...). Figures created here (``subplots``, ``figure`` and by
the displays) use constrained layout at 150 dpi; colours, markers and those
defaults live in one module, ``pyml.plot._style``.
"""
from pyml.plot._anomaly import DensityContourDisplay, F1ThresholdDisplay
from pyml.plot._base import Display, figure, sample_image, save_figure, subplots, use_headless
from pyml.plot._cluster import ElbowDisplay, ImageCompressionDisplay, KMeansProgressDisplay
from pyml.plot._linear import (
    CostContourDisplay,
    CostCurveDisplay,
    CostHistoryDisplay,
    CostSurfaceDisplay,
    DecisionBoundaryDisplay,
    FitDisplay,
    SigmoidDisplay,
)
from pyml.plot._model_selection import LearningCurveDisplay, ValidationCurveDisplay
from pyml.plot._nn import DigitPredictionsDisplay, TrainingHistoryDisplay
from pyml.plot._recommender import ItemEmbeddingDisplay, PredictedVsActualDisplay, RatingHistogramDisplay
from pyml.plot._rl import EpisodeReturnDisplay, FilmstripDisplay, MarsRoverDisplay, record_frames, save_gif
from pyml.plot._tree import FeatureImportanceDisplay, TreeDisplay

__all__ = [
    "CostContourDisplay",
    "CostCurveDisplay",
    "CostHistoryDisplay",
    "CostSurfaceDisplay",
    "DecisionBoundaryDisplay",
    "DensityContourDisplay",
    "DigitPredictionsDisplay",
    "Display",
    "EpisodeReturnDisplay",
    "ElbowDisplay",
    "F1ThresholdDisplay",
    "FeatureImportanceDisplay",
    "FilmstripDisplay",
    "FitDisplay",
    "ImageCompressionDisplay",
    "ItemEmbeddingDisplay",
    "KMeansProgressDisplay",
    "LearningCurveDisplay",
    "MarsRoverDisplay",
    "PredictedVsActualDisplay",
    "RatingHistogramDisplay",
    "SigmoidDisplay",
    "TrainingHistoryDisplay",
    "TreeDisplay",
    "ValidationCurveDisplay",
    "figure",
    "record_frames",
    "sample_image",
    "save_figure",
    "save_gif",
    "subplots",
    "use_headless",
]
