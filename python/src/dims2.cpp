// The extension's functions for 2-D output (one translation unit per dimension: they compile in parallel).
#include "binding.hpp"

void tsne_py_define_2(pybind11::module_& m) { tsne_py::define<2>(m); }
