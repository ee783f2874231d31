// The Python extension's one template: each entry point turns numpy arrays into the library's
// inputs (viewed in place when C-contiguous float32/float64, which tsne/__init__.py ensures), runs
// the library's builders with the GIL released, and hands back numpy arrays. Nothing of the
// algorithm lives here: validation, calibration, neighbours, init, learning rate and schedule are
// include/tsne's. dims1.cpp, dims2.cpp and dims3.cpp instantiate it once per output dimension
// (three translation units that compile in parallel).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <tsne/tsne.hpp>

namespace tsne_py {

namespace py = pybind11;

/// Settings of a run, read from the dict tsne/__init__.py builds (its keys are the library's names).
struct Settings {
    tsne::Options options;
    double perplexity = 30;
    std::string method = "auto", init = "pca", metric = "euclidean";
    double theta = 0.5;
    py::object init_array = py::none();  ///< N x Dims start (init = "array")
    int verbose = 0;
    py::object callback = py::none();  ///< called as callback(iteration, kl, Y) every callback_every iterations
    int callback_every = 0;
    tsne::TransformOptions transform;  ///< for transform(): the library's schedule, threads and dof set

    explicit Settings(const py::dict& d) {
        auto get = [&](const char* key, auto& into) {
            if (d.contains(key)) into = d[key].cast<std::decay_t<decltype(into)>>();
        };
        tsne::Options& o = options;
        get("iterations", o.iterations);
        get("early_exaggeration", o.early_exaggeration);
        get("early_exaggeration_iterations", o.early_exaggeration_iterations);
        get("learning_rate", o.learning_rate);
        get("momentum", o.momentum);
        get("final_momentum", o.final_momentum);
        get("dof", o.dof);
        get("seed", o.seed);
        get("threads", o.threads);
        get("kl_every", o.kl_every);
        get("perplexity", perplexity);
        get("method", method);
        get("theta", theta);
        get("init", init);
        get("metric", metric);
        get("verbose", verbose);
        get("callback_every", callback_every);
        if (d.contains("init_array")) init_array = d["init_array"];
        if (d.contains("callback")) callback = d["callback"];
        transform.threads = o.threads;
        transform.dof = o.dof;
        get("transform_iterations", transform.iterations);
        get("transform_perplexity", transform.perplexity);
    }

    tsne::AutoRepulsion repulsion() const {
        tsne::AutoRepulsion r;
        if (method == "exact") r.method = tsne::Method::exact;
        else if (method == "barnes_hut") r.method = tsne::Method::barnes_hut;
        else if (method == "fft") r.method = tsne::Method::fft;
        else if (method != "auto")
            tsne::detail::fail("method must be 'auto', 'exact', 'barnes_hut' or 'fft', got '", method, "'");
        r.barnes_hut.theta = theta;
        return r;
    }
};

/// The array's data as a const T* of a C-contiguous 2-D array of T (tsne/__init__.py converted
/// anything else once before the call): the library reads it in place.
template <class T>
const T* matrix_data(const py::array& a, const char* name) {
    if (a.ndim() != 2 || !py::isinstance<py::array_t<T>>(a) || !(a.flags() & py::array::c_style))
        throw py::type_error(std::string(name) + ": expected a C-contiguous 2-D array of " +
                             (sizeof(T) == 4 ? "float32" : "float64"));
    return static_cast<const T*>(a.data());
}

template <class T>
py::array_t<T> to_numpy(const tsne::RowMatrix<T>& Y) {
    py::array_t<T> out({static_cast<py::ssize_t>(Y.rows()), static_cast<py::ssize_t>(Y.cols())});
    std::copy(Y.data(), Y.data() + Y.size(), out.mutable_data());
    return out;
}

/// init = "pca" | "random" | "array", one policy type (a policy slot's type is a template
/// parameter of the run: three types would triple what is compiled).
template <class T>
struct ChosenInit {
    std::variant<tsne::PCA, tsne::RandomInit, tsne::UserInit<T>> policy;

    template <int Dims, class Exec>
    void operator()(const tsne::MatrixRef<T>& X, tsne::Embedding<T, Dims>& Y, std::uint64_t seed, Exec& ex) const {
        std::visit([&](const auto& init) { init(X, Y, seed, ex); }, policy);
    }
    template <int Dims, class Exec>
    void operator()(tsne::Embedding<T, Dims>& Y, std::uint64_t seed, Exec& ex) const {
        std::visit([&](const auto& init) { init(Y, seed, ex); }, policy);
    }
};

template <class T>
ChosenInit<T> make_init(const Settings& s) {
    if (s.init == "pca") return {tsne::PCA{}};
    if (s.init == "random") return {tsne::RandomInit{}};
    if (s.init != "array") tsne::detail::fail("init must be 'pca', 'random' or an array, got '", s.init, "'");
    const py::array a = s.init_array;
    const T* p = matrix_data<T>(a, "init");
    return {tsne::UserInit<T>{Eigen::Map<const tsne::RowMatrix<T>>(p, a.shape(0), a.shape(1))}};
}

/// The one callback of every run: with the GIL taken briefly each iteration, a pending signal
/// (Ctrl-C) stops the run at this iteration and is re-raised after it; the user's callback runs
/// every `callback_every` iterations (True stops); `verbose` prints the library's progress lines.
struct Hook {
    explicit Hook(const Settings& settings) : s(&settings) {}
    const Settings* s;
    tsne::Progress progress{50};
    std::unique_ptr<py::error_already_set> error;  ///< a signal's exception or the callback's

    bool wants_kl(int iteration) const {
        return (s->callback_every > 0 && iteration % s->callback_every == 0) ||
               (s->verbose > 0 && progress.wants_kl(iteration));
    }
    template <class T, int Dims>
    bool on_iteration(const tsne::Status<T, Dims>& st) {
        if (s->verbose > 0) progress.on_iteration(st);
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {
            error = std::make_unique<py::error_already_set>();
            return true;
        }
        if (s->callback.is_none() || s->callback_every <= 0 || st.iteration % s->callback_every != 0) return false;
        try {
            return s->callback(st.iteration, st.kl, to_numpy(st.embedding())).template cast<bool>();
        } catch (py::error_already_set& e) {
            error = std::make_unique<py::error_already_set>(std::move(e));
            return true;
        }
    }
    /// Re-raises a signal's or the callback's exception (call with the GIL held).
    void rethrow() {
        if (error) throw *error;
    }
};

/// Runs the standard schedule on a builder with the GIL released; returns (Y, KL, iterations,
/// learning rate of the first phase).
template <class T, class Builder>
py::tuple run(Builder b, const Settings& s, std::size_t n) {
    b.options(s.options);
    auto configured = b.repulsion(s.repulsion());
    Hook hook(s);
    tsne::RowMatrix<T> Y;
    double kl = 0;
    int iterations = 0;
    {
        py::gil_scoped_release release;
        auto r = configured.prepare();
        tsne::run_schedule(r, s.options, hook);
        Y = r.embedding();
        kl = r.last_kl();
        iterations = r.iteration();
    }
    hook.rethrow();
    return py::make_tuple(to_numpy(Y), kl, iterations, s.options.early_phase().learning_rate_for(n));
}

template <int Dims, class T>
py::tuple fit_data(const py::array& X, const Settings& s) {
    const T* p = matrix_data<T>(X, "X");
    const auto n = static_cast<std::size_t>(X.shape(0)), d = static_cast<std::size_t>(X.shape(1));
    auto b = tsne::embed<Dims, T>(p, n, d).init(make_init<T>(s));
    b.perplexity(s.perplexity);
    if (s.metric == "cosine") return run<T>(b.metric(tsne::Cosine{}), s, n);
    if (s.metric != "euclidean") tsne::detail::fail("metric must be 'euclidean', 'cosine' or 'precomputed', got '", s.metric, "'");
    return run<T>(b, s, n);
}

template <int Dims, class T>
py::tuple fit_distances(const py::array& D, const Settings& s) {
    const Eigen::Map<const tsne::RowMatrix<T>> view(matrix_data<T>(D, "X (distances)"), D.shape(0), D.shape(1));
    auto b = tsne::embed_distances<Dims>(view).init(make_init<T>(s));
    b.perplexity(s.perplexity);
    return run<T>(b, s, static_cast<std::size_t>(D.shape(0)));
}

template <int Dims, class T>
py::tuple fit_knn(const py::array_t<std::uint32_t, py::array::c_style>& index, const py::array& dist, const Settings& s) {
    const T* dp = matrix_data<T>(dist, "kNN distances");
    if (index.ndim() != 2 || index.shape(0) != dist.shape(0) || index.shape(1) != dist.shape(1))
        tsne::detail::fail("kNN graph: indices are ", index.ndim() == 2 ? index.shape(0) : -1, " x ",
                           index.ndim() == 2 ? index.shape(1) : -1, " but distances are ", dist.shape(0), " x ",
                           dist.shape(1));
    tsne::KnnGraph<T> g;
    g.n = static_cast<std::size_t>(dist.shape(0));
    g.k = static_cast<std::size_t>(dist.shape(1));
    g.index.assign(index.data(), index.data() + index.size());
    g.distance.assign(dp, dp + dist.size());
    auto b = tsne::embed_knn<Dims>(std::move(g)).init(make_init<T>(s));
    b.perplexity(s.perplexity);
    return run<T>(b, s, static_cast<std::size_t>(dist.shape(0)));
}

template <int Dims, class T>
py::tuple fit_affinities(std::size_t n, const py::array_t<std::int64_t, py::array::c_style>& indptr,
                         const py::array_t<std::uint32_t, py::array::c_style>& indices, const py::array& data,
                         bool symmetrize, bool normalize, const Settings& s) {
    if (data.ndim() != 1 || !py::isinstance<py::array_t<T>>(data))
        throw py::type_error("affinities: expected a 1-D array of values");
    if (indptr.size() != static_cast<py::ssize_t>(n + 1) || indices.size() != data.size())
        tsne::detail::fail("affinities: CSR arrays of inconsistent sizes (indptr ", indptr.size(), " for ", n,
                           " rows, ", indices.size(), " indices, ", data.size(), " values)");
    tsne::Csr<T> P;
    P.n = n;
    P.row_ptr.assign(indptr.data(), indptr.data() + indptr.size());
    P.col.assign(indices.data(), indices.data() + indices.size());
    const T* v = static_cast<const T*>(data.data());
    P.val.assign(v, v + data.size());
    auto b = tsne::embed_affinities<Dims>(std::move(P), tsne::PrecomputedAffinities{symmetrize, normalize})
                 .init(make_init<T>(s));
    return run<T>(b, s, n);
}

template <int Dims, class T>
py::tuple transform(const py::array& X_new, const py::array& X_ref, const py::array& Y_ref, const Settings& s) {
    using Map = Eigen::Map<const tsne::RowMatrix<T>>;
    const Map xn(matrix_data<T>(X_new, "X"), X_new.shape(0), X_new.shape(1));
    const Map xr(matrix_data<T>(X_ref, "reference data"), X_ref.shape(0), X_ref.shape(1));
    const Map yr(matrix_data<T>(Y_ref, "embedding_"), Y_ref.shape(0), Y_ref.shape(1));
    Hook hook(s);
    tsne::RowMatrix<T> Y;
    double kl = 0;
    {
        py::gil_scoped_release release;
        auto t = tsne::transform<Dims>(xn, xr, yr).options(s.transform);
        auto r = s.metric == "cosine" ? t.metric(tsne::Cosine{}).prepare() : t.prepare();
        r.optimize(s.transform.iterations, hook);
        Y = r.embedding();
        kl = r.last_kl();
    }
    hook.rethrow();
    return py::make_tuple(to_numpy(Y), kl);
}

/// The float32 or float64 instantiation, by the dtype of `a`.
template <class F>
py::tuple by_dtype(const py::array& a, F&& f) {
    if (py::isinstance<py::array_t<float>>(a)) return f(float{});
    if (py::isinstance<py::array_t<double>>(a)) return f(double{});
    throw py::type_error("expected a float32 or float64 array");
}

template <int Dims>
void define(py::module_& m) {
    const std::string d = std::to_string(Dims);
    m.def(("fit_data_" + d).c_str(), [](const py::array& X, const py::dict& kw) {
        const Settings s(kw);
        return by_dtype(X, [&](auto t) { return fit_data<Dims, decltype(t)>(X, s); });
    });
    m.def(("fit_distances_" + d).c_str(), [](const py::array& D, const py::dict& kw) {
        const Settings s(kw);
        return by_dtype(D, [&](auto t) { return fit_distances<Dims, decltype(t)>(D, s); });
    });
    m.def(("fit_knn_" + d).c_str(), [](const py::array_t<std::uint32_t, py::array::c_style>& index, const py::array& dist,
                                       const py::dict& kw) {
        const Settings s(kw);
        return by_dtype(dist, [&](auto t) { return fit_knn<Dims, decltype(t)>(index, dist, s); });
    });
    m.def(("fit_affinities_" + d).c_str(),
          [](std::size_t n, const py::array_t<std::int64_t, py::array::c_style>& indptr,
             const py::array_t<std::uint32_t, py::array::c_style>& indices, const py::array& data, bool symmetrize,
             bool normalize, const py::dict& kw) {
              const Settings s(kw);
              return by_dtype(data, [&](auto t) {
                  return fit_affinities<Dims, decltype(t)>(n, indptr, indices, data, symmetrize, normalize, s);
              });
          });
    m.def(("transform_" + d).c_str(), [](const py::array& X_new, const py::array& X_ref, const py::array& Y_ref,
                                         const py::dict& kw) {
        const Settings s(kw);
        return by_dtype(X_ref, [&](auto t) { return transform<Dims, decltype(t)>(X_new, X_ref, Y_ref, s); });
    });
}

}  // namespace tsne_py
