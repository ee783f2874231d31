"""t-SNE from the tsne C++ library: a scikit-learn style estimator and bhtsne's ``bh_sne``.

    from tsne import TSNE, bh_sne
    Y = TSNE(random_state=1).fit_transform(X)   # X: N x D numpy array (float32 or float64)
    Y = bh_sne(X)                               # the `tsne` (bhtsne) package's call

Everything is computed by the C++ headers in include/tsne (the compiled module ``tsne._tsne``):
this file only maps parameter names and converts inputs. C-contiguous float32/float64 arrays are
read in place (never copied, never modified); anything else is converted once. The interpreter
is free while a run goes on (the GIL is released), and Ctrl-C stops a run within one iteration
with KeyboardInterrupt.

Where the meaning differs from scikit-learn's ``sklearn.manifold.TSNE`` and openTSNE:

- ``max_iter`` counts all iterations, early exaggeration included (as scikit-learn; openTSNE's
  ``n_iter`` counts only those after it: openTSNE ``n_iter=500`` is ``max_iter=750`` here).
  Default 750 (scikit-learn: 1000).
- ``learning_rate`` numbers are in scikit-learn's units (its gradient has a factor 4 that bhtsne,
  openTSNE and this library leave out; the library gets 4 x the value). ``"auto"`` is openTSNE's
  rule: N / early_exaggeration during early exaggeration (scikit-learn's N / early_exaggeration / 4
  in its units, without its floor of 50), then N (N / 4 in scikit-learn's units).
  ``learning_rate_`` is the first phase's rate in scikit-learn's units.
- ``angle`` is scikit-learn's and openTSNE's θ (a cell of full width w at distance d is summarised
  when w < θ·d). bhtsne, Rtsne and FIt-SNE compare the half width: their θ = 0.5 is angle = 1.0
  here, which ``bh_sne(theta=...)`` applies.
- ``method``: "auto" (exact below 1,000 points, else Barnes-Hut in 2-D/3-D and FFT interpolation
  in 1-D), "exact", "barnes_hut" or "fft" (1-D and 2-D).
- ``n_jobs``: threads; default -1 = all cores (scikit-learn: None = 1). Results are bit-identical
  for any value.
- ``random_state=None`` draws a seed from numpy's global generator (as scikit-learn).
- ``metric="precomputed"``: a dense N x N matrix of distances (not squared), or a scipy.sparse
  kNN graph of distances (scikit-learn's convention, the same number of neighbours per row).
  ``fit(KnnGraph(indices, distances))`` and ``fit(Affinities(P))`` (a scipy.sparse P) take a kNN
  graph or affinities directly.
- ``callbacks``: a callable or a list of callables, called every ``callbacks_every_iters``
  iterations as ``f(iteration, kl, embedding_copy)``; returning True stops the run.
- ``dof``: degrees of freedom of the t kernel (openTSNE's name); < 1 gives heavier tails.
- ``transform(X)`` places new points into the fitted map without moving it (openTSNE's
  ``transform``, perplexity 5, 250 iterations); it needs the data of ``fit`` (kept by reference:
  do not modify it in place between ``fit`` and ``transform``).
"""
import inspect
import os

import numpy as np

from . import _tsne

__all__ = ["TSNE", "bh_sne", "KnnGraph", "Affinities", "embed_map"]
__version__ = _tsne.__version__

#: Number of input arrays converted (copied) by this package since import; C-contiguous
#: float32/float64 inputs are read in place and leave it unchanged (the tests check it).
conversions = 0


def _matrix(a, name, dtype=None):
    """`a` as a C-contiguous 2-D float32/float64 array: itself when it already is one, else one copy."""
    global conversions
    arr = np.asarray(a)
    want = dtype if dtype is not None else (arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (points x features), got shape {arr.shape}")
    if arr.dtype != want or not arr.flags.c_contiguous:
        if not np.issubdtype(arr.dtype, np.number) and arr.dtype != np.bool_:
            raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
        arr = np.ascontiguousarray(arr, dtype=want)
        conversions += 1
    return arr


class KnnGraph:
    """A kNN graph as input: ``indices`` (N x k, 0-based, no point its own neighbour) and
    ``distances`` (N x k, not squared, >= 0), neighbours in any order within a row."""

    def __init__(self, indices, distances):
        self.indices = indices
        self.distances = distances


class Affinities:
    """Affinities P as input (any scipy.sparse N x N matrix, values >= 0, nothing on the diagonal).
    P is replaced by (P + P^T)/2 unless symmetrize=False and scaled to sum 1 unless normalize=False."""

    def __init__(self, P, symmetrize=True, normalize=True):
        self.P = P
        self.symmetrize = symmetrize
        self.normalize = normalize


def _threads(n_jobs):
    if n_jobs is None or n_jobs == -1:
        return 0
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive number of threads or negative (-1 = all cores), got 0")
    return n_jobs if n_jobs > 0 else max(1, (os.cpu_count() or 1) + 1 + n_jobs)


def _seed(random_state):
    if random_state is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    seed = int(random_state)
    if seed < 0:
        raise ValueError(f"random_state must be None, an integer >= 0 or a numpy generator, got {random_state}")
    return seed


class TSNE:
    """t-distributed stochastic neighbour embedding (see the module's docstring for the parameters
    whose meaning differs from scikit-learn's and openTSNE's).

    Fitted attributes: ``embedding_`` (N x n_components), ``kl_divergence_`` (KL at the last
    iteration), ``n_iter_``, ``learning_rate_``, ``n_features_in_``.
    """

    def __init__(self, n_components=2, perplexity=30.0, early_exaggeration=12.0, learning_rate="auto",
                 max_iter=750, init="pca", metric="euclidean", method="auto", angle=0.5, n_jobs=-1,
                 random_state=None, verbose=0, dof=1.0, early_exaggeration_iter=250, momentum=0.5,
                 final_momentum=0.8, callbacks=None, callbacks_every_iters=50):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.init = init
        self.metric = metric
        self.method = method
        self.angle = angle
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.dof = dof
        self.early_exaggeration_iter = early_exaggeration_iter
        self.momentum = momentum
        self.final_momentum = final_momentum
        self.callbacks = callbacks
        self.callbacks_every_iters = callbacks_every_iters

    # ---- scikit-learn's estimator protocol, without scikit-learn ------------------------------
    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p for p in sig.parameters if p != "self")

    def get_params(self, deep=True):
        """The constructor's parameters as a dict (scikit-learn's BaseEstimator.get_params)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Sets constructor parameters by name; returns self. Unknown names are a ValueError."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for TSNE; valid parameters: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if not (isinstance(v, (str, int, float, type(None))) and v == defaults[k].default)]
        return f"TSNE({', '.join(changed)})"

    # ---- fitting ------------------------------------------------------------------------------
    def _settings(self, n):
        dims = self.n_components
        if not isinstance(dims, (int, np.integer)) or not 1 <= dims <= 3:
            raise ValueError(f"n_components must be 1, 2 or 3, got {dims!r}")
        if isinstance(self.learning_rate, str):
            if self.learning_rate != "auto":
                raise ValueError(f"learning_rate must be 'auto' or a number > 0, got {self.learning_rate!r}")
            lr = 0.0
        else:
            lr = float(self.learning_rate)
            if not lr > 0:
                raise ValueError(f"learning_rate must be 'auto' or a number > 0, got {self.learning_rate!r}")
            lr *= 4.0  # scikit-learn's units -> the library's (no factor 4 in its gradient)
        callbacks = self.callbacks
        if callbacks is not None and callable(callbacks):
            callbacks = [callbacks]
        s = dict(
            perplexity=float(self.perplexity), early_exaggeration=float(self.early_exaggeration),
            early_exaggeration_iterations=int(self.early_exaggeration_iter), iterations=int(self.max_iter),
            learning_rate=lr, momentum=float(self.momentum), final_momentum=float(self.final_momentum),
            dof=float(self.dof), seed=_seed(self.random_state), threads=_threads(self.n_jobs),
            method=str(self.method), theta=float(self.angle),
            metric="euclidean" if self.metric == "precomputed" else str(self.metric),
            verbose=int(bool(self.verbose)))
        if isinstance(self.init, str):
            s["init"] = self.init
        else:
            s["init"] = "array"
            s["init_array"] = self.init  # converted with the data's dtype in _fit
        if callbacks:
            every = int(self.callbacks_every_iters)
            if every < 1:
                raise ValueError(f"callbacks_every_iters must be >= 1, got {self.callbacks_every_iters}")

            def call_all(iteration, kl, Y):
                stop = False
                for f in callbacks:
                    stop = bool(f(iteration, kl, Y)) or stop
                return stop

            s["callback"] = call_all
            s["callback_every"] = every
        return s

    def _fit(self, X):
        dims = self.n_components
        if isinstance(X, Affinities):
            import scipy.sparse
            P = scipy.sparse.csr_matrix(X.P)
            P.sort_indices()
            dtype = P.dtype if P.dtype in (np.float32, np.float64) else np.float64
            n = P.shape[0]
            if P.shape[0] != P.shape[1]:
                raise ValueError(f"affinities must be a square N x N matrix, got shape {P.shape}")
            s = self._settings(n)
            self._with_init(s, dtype)
            args = (n, P.indptr.astype(np.int64), P.indices.astype(np.uint32), P.data.astype(dtype, copy=False),
                    bool(X.symmetrize), bool(X.normalize), s)
            out = getattr(_tsne, f"fit_affinities_{dims}")(*args)
            self._X_fit, self.n_features_in_ = None, n
        elif isinstance(X, KnnGraph) or (self.metric == "precomputed" and _is_sparse(X)):
            indices, distances = (X.indices, X.distances) if isinstance(X, KnnGraph) else _sparse_knn(X)
            distances = _matrix(distances, "kNN distances")
            indices = np.asarray(indices)
            if indices.shape != distances.shape:
                raise ValueError(f"kNN graph: indices have shape {indices.shape} but distances {distances.shape}")
            if indices.size and (indices.min() < 0 or indices.max() >= indices.shape[0]):
                raise ValueError(f"kNN graph: indices must be in [0, N = {indices.shape[0]}), got values from "
                                 f"{indices.min()} to {indices.max()}")
            s = self._settings(distances.shape[0])
            self._with_init(s, distances.dtype)
            out = getattr(_tsne, f"fit_knn_{dims}")(np.ascontiguousarray(indices, dtype=np.uint32), distances, s)
            self._X_fit, self.n_features_in_ = None, distances.shape[0]
        else:
            if _is_sparse(X):
                raise ValueError("sparse X is taken only as a kNN graph of distances (metric='precomputed'), "
                                 "or as affinities through tsne.Affinities(P)")
            X = _matrix(X, "X")
            s = self._settings(X.shape[0])
            self._with_init(s, X.dtype)
            if self.metric == "precomputed":
                if X.shape[0] != X.shape[1]:
                    raise ValueError(f"metric='precomputed' needs a square N x N distance matrix, got shape {X.shape}")
                out = getattr(_tsne, f"fit_distances_{dims}")(X, s)
                self._X_fit = None
            else:
                out = getattr(_tsne, f"fit_data_{dims}")(X, s)
                self._X_fit = X
            self.n_features_in_ = X.shape[1]
        self.embedding_, self.kl_divergence_, self.n_iter_, lr = out
        self.learning_rate_ = lr / 4.0
        self._seed = s["seed"]
        return self.embedding_

    def _with_init(self, s, dtype):
        if "init_array" in s:
            s["init_array"] = _matrix(s["init_array"], "init", dtype)

    def fit(self, X, y=None):
        """Embeds X (N x D data; N x N distances or a sparse kNN graph with metric='precomputed';
        or a tsne.KnnGraph / tsne.Affinities). Returns self."""
        self._fit(X)
        return self

    def fit_transform(self, X, y=None):
        """fit(X) and returns embedding_."""
        return self._fit(X)

    def transform(self, X):
        """Places the rows of X into the fitted embedding without moving it (openTSNE's transform:
        each new point is attracted by its reference neighbours, perplexity 5). Needs a fit on data."""
        if not hasattr(self, "embedding_"):
            raise ValueError("this TSNE instance is not fitted yet: call fit(X) first")
        if getattr(self, "_X_fit", None) is None:
            raise ValueError("transform needs the data of fit(X) (not distances, a kNN graph or affinities)")
        X = _matrix(X, "X", self._X_fit.dtype)
        if X.shape[1] != self._X_fit.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features, but TSNE was fitted with {self._X_fit.shape[1]}")
        s = self._settings(self._X_fit.shape[0])
        Y, _ = getattr(_tsne, f"transform_{self.n_components}")(X, self._X_fit, self.embedding_, s)
        return Y


def _is_sparse(X):
    try:
        import scipy.sparse
    except ImportError:
        return False
    return scipy.sparse.issparse(X)


def _sparse_knn(G):
    """A scipy.sparse kNN graph of distances (scikit-learn's precomputed convention) as (indices,
    distances), k per row."""
    import scipy.sparse
    G = scipy.sparse.csr_matrix(G)
    counts = np.diff(G.indptr)
    if G.shape[0] != G.shape[1]:
        raise ValueError(f"a precomputed sparse kNN graph must be N x N, got shape {G.shape}")
    if counts.size and counts.min() != counts.max():
        row = int(np.argmax(counts != counts[0]))
        raise ValueError(f"a precomputed sparse kNN graph needs the same number of neighbours in every row: "
                         f"row 0 has {counts[0]}, row {row} has {counts[row]}")
    k = int(counts[0]) if counts.size else 0
    n = G.shape[0]
    return G.indices.reshape(n, k), G.data.reshape(n, k)


def _pca(X, k):
    """X (float64) projected on its k leading principal axes, centred (the library's PCA)."""
    return _tsne.pca(_matrix(X, "data", np.float64), int(k))


def bh_sne(data, pca_d=None, d=2, perplexity=30.0, theta=0.5, random_state=None, copy_data=False):
    """The `tsne` (bhtsne wrapper) package's function: embeds data (N x D) into d dimensions.

    theta is bhtsne's half-width criterion (theta = 0.5 there is angle = 1.0 in TSNE here; theta
    = 0 is exact); pca_d reduces the data to that many principal components first (as bhtsne's
    wrapper does, centred); copy_data is accepted for compatibility (the data is never modified).
    The schedule is this library's (750 iterations, 250 of them with exaggeration 12, automatic
    learning rate), which converges further than bhtsne's 1000 iterations at rate 200.
    """
    del copy_data  # the input is never modified: nothing to copy
    X = _matrix(data, "data", np.float64)
    if pca_d is not None:
        pca_d = int(pca_d)
        if not 1 <= pca_d <= X.shape[1]:
            raise ValueError(f"pca_d must be in [1, D = {X.shape[1]}], got {pca_d}")
        X = _pca(X, pca_d)
    method = "exact" if theta == 0 else "auto"
    return TSNE(n_components=d, perplexity=perplexity, angle=2.0 * float(theta), method=method,
                random_state=random_state).fit_transform(X)


def embed_map(X, map="mds", n_components=2, metric="euclidean", max_iter=None, tol=1e-7, init="classical",
              n_neighbors=3, angle=0.5, landmarks=None, n_jobs=-1, random_state=42):
    """The other maps of the library (include/tsne/maps): ``map`` = "pca", "classical-mds", "mds"
    (metric MDS, SMACOF), "sammon" or "graph" (force-directed layout of the kNN graph with
    ``n_neighbors`` neighbours, charges by Barnes-Hut with ``angle``; 0 = exact).

    Returns ``(Y, cost, n_iter)``: the N x n_components map (X's float type), the map's own cost
    (stress, Sammon's cost, the graph's energy; NaN for PCA) and the iterations run.
    ``metric="precomputed"``: X is a full N x N distance matrix (not for PCA). ``init``:
    "classical" (classical MDS; from data the PCA projection), "random" or an N x n_components
    array. ``max_iter``: at most (default mds 1000, sammon 300, graph 500); ``tol``: relative cost
    decrease that stops MDS and Sammon. ``landmarks``: landmark MDS with that many landmarks (mds
    from data). Names follow this package's TSNE (n_jobs, random_state, angle, max_iter).
    """
    if metric not in ("euclidean", "precomputed"):
        raise ValueError(f"metric must be 'euclidean' or 'precomputed', got {metric!r}")
    X = _matrix(X, "X")
    d = {"tolerance": float(tol), "seed": _seed(random_state), "threads": _threads(n_jobs),
         "neighbors": int(n_neighbors), "theta": float(angle)}
    if max_iter is not None:
        if int(max_iter) < 1:
            raise ValueError(f"max_iter must be >= 1, got {max_iter}")
        d["iterations"] = int(max_iter)
    if landmarks is not None:
        d["landmarks"] = int(landmarks)
    start = None
    if isinstance(init, str):
        d["start"] = init
    else:
        start = np.ascontiguousarray(init, dtype=X.dtype)
    fn = _tsne.map32 if X.dtype == np.float32 else _tsne.map64
    Y, cost, n_iter, _ = fn(str(map), X, int(n_components), metric == "precomputed", d, start)
    return Y, cost, n_iter
