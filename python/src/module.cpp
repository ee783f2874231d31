// tsne._tsne: the compiled half of the Python package (tsne/__init__.py is the other).
#include <new>
#include <string>

#include <pybind11/pybind11.h>

#include <pybind11/numpy.h>

#include <tsne/error.hpp>
#include <tsne/init/pca.hpp>
#include <tsne/version.hpp>

void tsne_py_define_1(pybind11::module_& m);
void tsne_py_define_2(pybind11::module_& m);
void tsne_py_define_3(pybind11::module_& m);
void tsne_py_define_maps(pybind11::module_& m);

PYBIND11_MODULE(_tsne, m) {
    m.doc() = "t-SNE engine of the tsne C++ library (use the tsne package, not this module)";
    // The library's exceptions, with its messages: bad input or settings, and a run that cannot
    // continue with the settings given (divergence), are ValueError; out of memory MemoryError.
    pybind11::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const tsne::invalid_argument& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const tsne::runtime_error& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const std::bad_alloc&) {
            PyErr_SetString(PyExc_MemoryError, "tsne: out of memory");
        }
    });
    // bh_sne(pca_d=): the library's principal components (float64 in, float64 out).
    m.def("pca", [](const pybind11::array_t<double, pybind11::array::c_style>& X, long c) {
        if (X.ndim() != 2) throw pybind11::value_error("pca: X must be 2-D");
        const Eigen::Map<const tsne::RowMatrix<double>> view(X.data(), X.shape(0), X.shape(1));
        Eigen::MatrixXd P;
        {
            pybind11::gil_scoped_release release;
            P = tsne::principal_components<double>(view, c);
        }
        pybind11::array_t<double> out({P.rows(), P.cols()});
        Eigen::Map<tsne::RowMatrix<double>>(out.mutable_data(), P.rows(), P.cols()) = P;
        return out;
    });
    tsne_py_define_1(m);
    tsne_py_define_2(m);
    tsne_py_define_3(m);
    tsne_py_define_maps(m);
    m.attr("__version__") = pybind11::str(std::to_string(TSNE_VERSION_MAJOR) + "." + std::to_string(TSNE_VERSION_MINOR) +
                                          "." + std::to_string(TSNE_VERSION_PATCH));
}
