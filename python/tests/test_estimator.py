"""tsne.TSNE: scikit-learn's estimator protocol, inputs, outputs, transform, callbacks, errors."""
import threading
import time

import numpy as np
import pytest
import scipy.sparse

import tsne

FAST = dict(max_iter=300, random_state=3, n_jobs=2)


def knn_accuracy(Y_train, y_train, Y_test, y_test, k=10):
    d = ((Y_test[:, None, :] - Y_train[None, :, :]) ** 2).sum(-1)
    nearest = np.argsort(d, axis=1)[:, :k]
    votes = y_train[nearest]
    pred = np.array([np.bincount(v, minlength=10).argmax() for v in votes])
    return (pred == y_test).mean()


def test_fit_transform_and_fitted_attributes(digits):
    X, y = digits
    est = tsne.TSNE(**FAST)
    Y = est.fit_transform(X)
    assert Y.shape == (1797, 2) and Y.dtype == np.float64 and np.isfinite(Y).all()
    assert est.embedding_ is Y
    assert est.n_iter_ == 300 and est.n_features_in_ == 64
    assert 0 < est.kl_divergence_ < 2
    assert est.learning_rate_ == pytest.approx(1797 / 12 / 4)  # scikit-learn's units
    # the map separates the classes: leave-one-out 10-NN accuracy in the embedding
    assert knn_accuracy(Y[:1500], y[:1500], Y[1500:], y[1500:]) > 0.9


def test_any_thread_count_gives_the_same_bits(digits):
    X, _ = digits
    X32 = X[:800].astype(np.float32)
    runs = [tsne.TSNE(max_iter=260, random_state=5, n_jobs=j, method="barnes_hut").fit_transform(X32) for j in (1, 2, 3)]
    assert runs[0].tobytes() == runs[1].tobytes() == runs[2].tobytes()
    # the seed matters where something is random (PCA init and exact neighbours are not)
    a, b = (tsne.TSNE(max_iter=260, random_state=s, n_jobs=2, init="random").fit_transform(X32) for s in (6, 7))
    assert a.tobytes() != b.tobytes()


@pytest.mark.parametrize("dims", [1, 3])
def test_other_dimensions_and_float32(digits, dims):
    X, _ = digits
    Y = tsne.TSNE(n_components=dims, **FAST).fit_transform(X[:600].astype(np.float32))
    assert Y.shape == (600, dims) and Y.dtype == np.float32 and np.isfinite(Y).all()


def test_get_params_set_params_clone_pipeline(digits):
    est = tsne.TSNE(perplexity=20, angle=0.7, callbacks=None)
    params = est.get_params()
    assert params["perplexity"] == 20 and params["angle"] == 0.7 and params["max_iter"] == 750
    assert set(params) == set(tsne.TSNE().get_params())
    assert est.set_params(perplexity=10, n_jobs=1) is est and est.perplexity == 10
    with pytest.raises(ValueError, match="invalid parameter 'perplexty'"):
        est.set_params(perplexty=5)
    twin = tsne.TSNE(**est.get_params())
    assert twin.get_params() == est.get_params()
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    c = clone(est)
    assert c is not est and c.get_params() == est.get_params()
    X, _ = digits
    Y = make_pipeline(StandardScaler(), tsne.TSNE(**FAST)).fit_transform(X[:500])
    assert Y.shape == (500, 2)
    assert sklearn is not None


def test_transform_places_held_out_digits_with_their_class(digits):
    X, y = digits
    train, test = np.arange(1797) % 6 != 0, np.arange(1797) % 6 == 0
    est = tsne.TSNE(random_state=1, n_jobs=2).fit(X[train])
    Y_new = est.transform(X[test])
    assert Y_new.shape == (test.sum(), 2) and np.isfinite(Y_new).all()
    assert knn_accuracy(est.embedding_, y[train], Y_new, y[test]) > 0.9
    with pytest.raises(ValueError, match="features"):
        est.transform(X[test][:, :10])
    with pytest.raises(ValueError, match="not fitted"):
        tsne.TSNE().transform(X)


def test_callbacks_see_copies_and_can_stop(digits):
    X, _ = digits
    seen = []

    def record(iteration, kl, Y):
        seen.append((iteration, kl, Y))
        return iteration >= 120

    est = tsne.TSNE(callbacks=record, callbacks_every_iters=40, **FAST)
    Y = est.fit_transform(X)
    assert [s[0] for s in seen] == [40, 80, 120]
    assert all(np.isfinite(s[1]) for s in seen)  # KL computed on the callback's iterations
    assert est.n_iter_ == 120
    assert np.array_equal(seen[-1][2], Y)   # the stopping iteration's embedding is the result
    assert not np.shares_memory(seen[0][2], Y) and not np.array_equal(seen[0][2], Y)  # copies


def test_callback_exception_reaches_the_caller(digits):
    X, _ = digits

    def boom(iteration, kl, Y):
        raise RuntimeError(f"callback failed at {iteration}")

    with pytest.raises(RuntimeError, match="callback failed at 50"):
        tsne.TSNE(callbacks=[boom], **FAST).fit(X)


def test_zero_copy_inputs_are_read_in_place_and_unchanged(digits):
    X, _ = digits
    for dtype in (np.float32, np.float64):
        A = np.ascontiguousarray(X[:400], dtype=dtype)
        A.setflags(write=False)  # read-only: a conversion would be needed to write, none to read
        before, snapshot = tsne.conversions, A.copy()
        tsne.TSNE(**FAST).fit(A)
        assert tsne.conversions == before, "a C-contiguous float array must not be copied"
        assert np.array_equal(A, snapshot)
    before = tsne.conversions
    tsne.TSNE(**FAST).fit(np.asfortranarray(X[:400]))  # column-major: converted once
    assert tsne.conversions == before + 1


def test_gil_is_released_during_a_run(digits):
    X, _ = digits
    ticks, done = [0], threading.Event()

    def tick():
        while not done.is_set():
            ticks[0] += 1
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    start = ticks[0]
    t0 = time.perf_counter()
    tsne.TSNE(**FAST).fit(X)
    elapsed = time.perf_counter() - t0
    done.set()
    t.join()
    assert ticks[0] - start > 0.2 * elapsed / 0.001 * 0.2  # the other thread ran during the fit


def test_verbose_prints_progress(digits, capfd):
    X, _ = digits
    tsne.TSNE(verbose=1, **FAST).fit(X[:300])
    err = capfd.readouterr().err
    assert "iteration" in err and "KL" in err


def test_precomputed_distances_knn_graph_and_affinities(digits):
    X, _ = digits
    X = X[:500]
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    Yd = tsne.TSNE(metric="precomputed", init="random", **FAST).fit_transform(D)
    assert Yd.shape == (500, 2) and np.isfinite(Yd).all()
    order = np.argsort(D, axis=1)[:, 1:91]
    dist = np.take_along_axis(D, order, axis=1)
    Yk = tsne.TSNE(init="random", **FAST).fit_transform(tsne.KnnGraph(order, dist))
    G = scipy.sparse.csr_matrix((dist.ravel(), order.ravel(), np.arange(0, 501 * 90, 90)), shape=(500, 500))
    Ys = tsne.TSNE(metric="precomputed", init="random", **FAST).fit_transform(G)
    assert Yk.tobytes() == Ys.tobytes()  # a sparse graph is the same kNN graph
    P = scipy.sparse.csr_matrix((np.exp(-dist.ravel() / dist.mean()), order.ravel(), np.arange(0, 501 * 90, 90)),
                                shape=(500, 500))
    Ya = tsne.TSNE(**FAST).fit_transform(tsne.Affinities(P))
    assert Ya.shape == (500, 2) and np.isfinite(Ya).all()
    Y0 = np.random.default_rng(0).normal(size=(500, 2)) * 1e-4
    Yu = tsne.TSNE(init=Y0, **FAST).fit_transform(X)
    assert Yu.shape == (500, 2)


@pytest.mark.parametrize("make, error, match", [
    (lambda X: (tsne.TSNE(**FAST), np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X)), ValueError, "NaN|finite"),
    (lambda X: (tsne.TSNE(**FAST), X[:, 0]), ValueError, "2-D"),
    (lambda X: (tsne.TSNE(perplexity=50, **FAST), X[:40]), ValueError, "perplexity 50 is too large"),
    (lambda X: (tsne.TSNE(n_components=4, **FAST), X), ValueError, "n_components must be 1, 2 or 3, got 4"),
    (lambda X: (tsne.TSNE(method="bh", **FAST), X), ValueError, "method must be .* got 'bh'"),
    (lambda X: (tsne.TSNE(metric="manhattan", **FAST), X), ValueError, "metric must be .* got 'manhattan'"),
    (lambda X: (tsne.TSNE(learning_rate=-1, **FAST), X), ValueError, "learning_rate must be .* got -1"),
    (lambda X: (tsne.TSNE(momentum=1.5, **FAST), X), ValueError, "momentum must be in \\[0, 1\\), got 1.5"),
    (lambda X: (tsne.TSNE(init=np.zeros((3, 2)), **FAST), X), ValueError, "initial embedding: expected 1797 x 2"),
    (lambda X: (tsne.TSNE(metric="precomputed", **FAST), X), ValueError, "square"),
    (lambda X: (tsne.TSNE(n_jobs=0, max_iter=300), X), ValueError, "n_jobs must be .* got 0"),
    (lambda X: (tsne.TSNE(**FAST), np.array([["a", "b"], ["c", "d"]])), ValueError, "numbers"),
    (lambda X: (tsne.TSNE(**FAST), X[:1]), ValueError, "point"),
])
def test_bad_input_raises_named_errors(digits, make, error, match):
    est, data = make(digits[0])
    with pytest.raises(error, match=match):
        est.fit(data)


def test_learning_rate_in_scikit_learns_units(digits):
    X, _ = digits
    est = tsne.TSNE(learning_rate=200, max_iter=260, random_state=1, n_jobs=2).fit(X[:300])
    assert est.learning_rate_ == 200  # the library ran 800: its gradient has no factor 4
