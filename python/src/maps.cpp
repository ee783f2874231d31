// The other maps (tsne/maps/maps.hpp) for Python: one entry point, `map`, dispatching on the map,
// the output dimension, the scalar type and the input kind (data rows or a distance matrix).
// As for t-SNE, nothing of the algorithm lives here: validation and defaults are the library's.
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <tsne/tsne.hpp>

namespace {
namespace py = pybind11;

tsne::MapKind kind_of(const std::string& name) {
    if (name == "pca") return tsne::MapKind::pca;
    if (name == "classical-mds") return tsne::MapKind::classical_mds;
    if (name == "mds") return tsne::MapKind::mds;
    if (name == "sammon") return tsne::MapKind::sammon;
    if (name == "graph") return tsne::MapKind::graph;
    throw py::value_error("map must be pca, classical-mds, mds, sammon or graph, got '" + name + "'");
}

template <int Dims, class T>
py::tuple run(tsne::MapKind kind, const py::array_t<T, py::array::c_style>& X, bool distances, const tsne::MapOptions& o,
              const py::object& init) {
    if (X.ndim() != 2) throw py::value_error("X must be 2-D");
    const Eigen::Map<const tsne::RowMatrix<T>> view(X.data(), X.shape(0), X.shape(1));
    const tsne::MatrixRef<T> ref(view);
    tsne::RowMatrix<T> start;
    if (!init.is_none()) {
        const auto a = init.cast<py::array_t<T, py::array::c_style | py::array::forcecast>>();
        if (a.ndim() != 2) throw py::value_error("init must be 2-D (N x n_components)");
        start = Eigen::Map<const tsne::RowMatrix<T>>(a.data(), a.shape(0), a.shape(1));
    }
    tsne::MapResult<T> r;
    {
        py::gil_scoped_release release;
        r = tsne::maps::fit_map<Dims, T>(kind, distances ? nullptr : &ref, distances ? &ref : nullptr, o,
                                         init.is_none() ? nullptr : &start);
    }
    py::array_t<T> Y({r.Y.rows(), r.Y.cols()});
    Eigen::Map<tsne::RowMatrix<T>>(Y.mutable_data(), r.Y.rows(), r.Y.cols()) = r.Y;
    return py::make_tuple(Y, r.cost, r.iterations, r.converged);
}

template <class T>
py::tuple dispatch(const std::string& map, const py::array_t<T, py::array::c_style>& X, int dims, bool distances,
                   const py::dict& d, const py::object& init) {
    tsne::MapOptions o;
    if (d.contains("iterations")) o.iterations = d["iterations"].cast<int>();
    if (d.contains("tolerance")) o.tolerance = d["tolerance"].cast<double>();
    if (d.contains("seed")) o.seed = d["seed"].cast<std::uint64_t>();
    if (d.contains("threads")) o.threads = d["threads"].cast<unsigned>();
    if (d.contains("neighbors")) o.neighbors = d["neighbors"].cast<int>();
    if (d.contains("theta")) o.theta = d["theta"].cast<double>();
    if (d.contains("edge_length")) o.edge_length = d["edge_length"].cast<double>();
    if (d.contains("landmarks")) o.landmarks = d["landmarks"].cast<std::size_t>();
    if (d.contains("start")) {
        const auto s = d["start"].cast<std::string>();
        if (s == "random") o.start = tsne::MapStart::random;
        else if (s == "classical") o.start = tsne::MapStart::classical;
        else throw py::value_error("init must be 'classical', 'random' or an array, got '" + s + "'");
    }
    const tsne::MapKind kind = kind_of(map);
    switch (dims) {
        case 1: return run<1, T>(kind, X, distances, o, init);
        case 2: return run<2, T>(kind, X, distances, o, init);
        case 3: return run<3, T>(kind, X, distances, o, init);
        default: throw py::value_error("n_components must be 1, 2 or 3, got " + std::to_string(dims));
    }
}
}  // namespace

void tsne_py_define_maps(py::module_& m) {
    m.def("map32", &dispatch<float>);
    m.def("map64", &dispatch<double>);
}
