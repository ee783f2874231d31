#pragma once
// Exact rescaling by powers of two, so that data of any magnitude (1e-300 ... 1e300 in double,
// subnormal included) can be squared and summed without overflow or underflow.
#include <cmath>
#include <utility>

namespace tsne::detail {

/// Two powers of two whose product brings `maxabs` into [0.5, 1) ({1, 1} for 0, Inf or NaN).
/// Two factors because for subnormal `maxabs` (|x| < 2^-126 in float, 2^-1022 in double) the
/// single factor 2^-e overflows T; multiplying by each in turn is exact.
template <class T = double>
std::pair<T, T> unit_factors(double maxabs) {
    int e = 0;
    if (maxabs > 0 && std::isfinite(maxabs)) std::frexp(maxabs, &e);
    return {std::ldexp(T(1), -e / 2), std::ldexp(T(1), -e - (-e / 2))};
}

}  // namespace tsne::detail
