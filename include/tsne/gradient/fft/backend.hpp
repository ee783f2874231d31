#pragma once
// The FFT backend of FFT interpolation: fft_detail::Transform<F>, one transform length L applied to
// batches of H split-complex sequences stored interleaved (element j of sequence t at [j·H + t];
// H = 1 or lanes<F>), in the embedding's precision F:
//   Transform(L); size();
//   Scratch(L)                                  per-thread state (workers.hpp: one per Worker)
//   fwd(scratch, xr, xi, yr, yi, H) const       y = DFT(x)
//   inv(scratch, xr, xi, yr, yi, H) const       y = unnormalised inverse DFT(x) (no 1/L)
// x may be used as scratch. Callers pass a Worker's buffers, whose imaginary parts follow the real
// ones at a fixed distance (FFTW's plans are made for that layout).
//
// Eigen's FFT module (kissfft; ships with Eigen) by default; FFTW 3 when TSNE_USE_FFTW is defined
// (CMake option TSNE_FFTW; faster, GPL).
#ifdef TSNE_USE_FFTW
#include "backend_fftw.hpp"
#else
#include "backend_eigen.hpp"
#endif
