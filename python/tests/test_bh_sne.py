"""The article's code, unchanged, and bh_sne's parameters."""
import numpy as np

import tsne


def test_the_articles_snippet_runs_on_the_digits(digits):
    x_data, _ = digits
    from tsne import bh_sne
    vis_data = bh_sne(x_data)
    assert vis_data.shape == (1797, 2) and np.isfinite(vis_data).all()
    vis_x, vis_y = vis_data[:, 0], vis_data[:, 1]
    assert vis_x.std() > 1 and vis_y.std() > 1


def test_bh_sne_maps_theta_and_reduces_with_pca(digits):
    X, _ = digits
    a = tsne.bh_sne(X[:600], pca_d=20, theta=0.25, random_state=4, d=3)
    assert a.shape == (600, 3)
    # bhtsne's half-width theta 0.25 is the full-width angle 0.5 of TSNE, on the PCA-20 data
    from tsne import _pca
    b = tsne.TSNE(n_components=3, angle=0.5, random_state=4).fit_transform(_pca(X[:600], 20))
    assert a.tobytes() == b.tobytes()
