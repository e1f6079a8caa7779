"""Datasets: bundled real data (with attribution in data/README.md) and seeded generators."""
from pyml.datasets._base import Bunch
from pyml.datasets._generators import make_exam_scores, make_house_prices, make_microchip_qa
from pyml.datasets._nn_generators import make_coffee_roasting
from pyml.datasets._unsup_generators import make_blobs, make_server_metrics
from pyml.datasets._real import load_breast_cancer, load_diabetes, load_digits, load_mushroom
from pyml.datasets._ratings import load_movielens, make_ratings

__all__ = [
    "Bunch",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_mushroom",
    "make_coffee_roasting",
    "make_exam_scores",
    "make_house_prices",
    "make_microchip_qa",
    "make_blobs",
    "make_server_metrics",
    "load_movielens", "make_ratings",
]
