import os

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "examples", "data")


@pytest.fixture(scope="session")
def digits():
    """The bundled digits: 1,797 x 64 float64 and their labels."""
    X = np.loadtxt(os.environ.get("TSNE_DIGITS", os.path.join(DATA, "digits.csv")), delimiter=",")
    y = np.loadtxt(os.path.join(DATA, "digits_labels.csv"), dtype=int)
    return np.ascontiguousarray(X), y
