"""Preprocessing: scaling, polynomial features and the course's feature maps."""
from pyml.preprocessing._encoders import OneHotEncoder
from pyml.preprocessing._scalers import (
    MinMaxScaler,
    PolynomialFeatures,
    StandardScaler,
    map_feature,
    zscore_normalize_features,
)

__all__ = ["OneHotEncoder", "MinMaxScaler", "PolynomialFeatures", "StandardScaler", "map_feature", "zscore_normalize_features"]
