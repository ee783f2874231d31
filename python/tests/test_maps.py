"""The other maps through Python (tsne.embed_map): shapes, the library's checks as ValueError,
precomputed distances, and the digits comparison with scikit-learn's MDS from the same start."""
import os

import numpy as np
import pytest

import tsne

DIGITS = os.environ.get("TSNE_DIGITS")


def blobs(n=120, d=5, seed=0):
    rng = np.random.RandomState(seed)
    c = rng.normal(scale=8, size=(3, d))
    return (c[np.arange(n) % 3] + rng.normal(size=(n, d))).astype(np.float64)


@pytest.mark.parametrize("m", ["pca", "classical-mds", "mds", "sammon", "graph"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_every_map_every_dimension(m, k):
    X = blobs()
    Y, cost, n_iter = tsne.embed_map(X, map=m, n_components=k, max_iter=None if m in ("pca", "classical-mds") else 20)
    assert Y.shape == (120, k) and Y.dtype == np.float64 and np.isfinite(Y).all()
    assert (m == "pca") == np.isnan(cost)
    Y32, _, _ = tsne.embed_map(X.astype(np.float32), map=m, n_components=k,
                               max_iter=None if m in ("pca", "classical-mds") else 20)
    assert Y32.dtype == np.float32


def test_precomputed_and_threads():
    X = blobs()
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    a, ca, _ = tsne.embed_map(X, map="mds", max_iter=30, n_jobs=1)
    b, cb, _ = tsne.embed_map(D, map="mds", metric="precomputed", max_iter=30, n_jobs=2)
    assert np.allclose(a, b, atol=1e-8 * np.abs(a).max())
    assert ca == pytest.approx(cb, rel=1e-9)
    c, _, _ = tsne.embed_map(X, map="mds", max_iter=30, n_jobs=2)
    assert np.array_equal(a, c)


def test_errors_are_value_errors():
    X = blobs()
    with pytest.raises(ValueError, match="map must be"):
        tsne.embed_map(X, map="umap")
    with pytest.raises(ValueError, match="neighbors must be < N"):
        tsne.embed_map(X, map="graph", n_neighbors=120)
    with pytest.raises(ValueError, match="init must be N x Dims"):
        tsne.embed_map(X, map="mds", init=np.zeros((5, 2)))
    with pytest.raises(ValueError, match="n_components must be 1, 2 or 3"):
        tsne.embed_map(X, map="mds", n_components=4)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="row 3, column 1"):
        tsne.embed_map(X, map="sammon")


@pytest.mark.skipif(not DIGITS, reason="TSNE_DIGITS (the bundled digits.csv) not set")
def test_digits_mds_against_sklearn_same_start():
    sklearn = pytest.importorskip("sklearn.manifold")
    X = np.loadtxt(DIGITS, delimiter=",")
    start, _, _ = tsne.embed_map(X, map="classical-mds")
    Y, _, _ = tsne.embed_map(X, map="mds", n_jobs=2)
    Ysk = sklearn.MDS(n_components=2, n_init=1, max_iter=300, random_state=0, normalized_stress=False).fit_transform(X, init=start)

    def stress1(Y):
        from scipy.spatial.distance import pdist
        dx, dy = pdist(X), pdist(Y)
        return np.sqrt(((dx - dy) ** 2).sum() / (dx ** 2).sum())

    assert stress1(Y) <= stress1(Ysk) + 1e-6
