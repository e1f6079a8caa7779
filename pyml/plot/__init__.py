"""Plots of every course algorithm (the only pyml package importing matplotlib).

Each plot computes once into a Display and draws onto a given ``ax``; the
returned display records what was drawn (``artists_``) for tests.
"""
from pyml.plot._anomaly import DensityContourDisplay, F1ThresholdDisplay
from pyml.plot._base import Display
from pyml.plot._cluster import ElbowDisplay, ImageCompressionDisplay, KMeansProgressDisplay

__all__ = [
    "Display",
    "KMeansProgressDisplay",
    "ElbowDisplay",
    "ImageCompressionDisplay",
    "DensityContourDisplay",
    "F1ThresholdDisplay",
]
