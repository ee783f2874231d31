#!/usr/bin/python3
"""Large realistic t-SNE inputs: Fashion-MNIST expanded to N points, projected to PCA-50.

usage: /usr/bin/python3 benchmarks/make_large.py N [N ...] [--out DIR] [--seed S] [--chunk ROWS]
   e.g. /usr/bin/python3 benchmarks/make_large.py 100000 300000 1000000 --out /tmp/tsne-large

Needs only Debian python3-numpy, and the Debian dataset-fashion-mnist package
(IDX .gz files in /usr/share/datasets/fashion-mnist/).

What it makes, for each N:
  point i is a copy of original image i mod 70,000 (train then test, the usual order), pass
  c = i div 70,000.  Pass 0 is the unmodified image, so the first 70,000 rows are Fashion-MNIST
  itself.  Every later copy is the image shifted by a random integer offset (dx, dy), each in
  {-2, ..., 2}, not both 0 (zero fill at the border), plus Gaussian pixel noise of standard
  deviation --noise (default 0.03 on the [0, 1] scale), clipped back to [0, 1].  The label is the
  original's.  Then one PCA-50, fitted on the 70,000 originals only, projects every row, so all N
  share the same basis.  The fit is exact (eigenvectors of the 784 x 784 float64 covariance, 86.3 %
  of the variance).  /work/shared/tools/prep_data.py's randomized fit for fmnist70k_pca50 is not
  identical: 23 of its 50 axes have the other sign, the trailing axes differ by up to 0.7 (values
  reach 11), and pairwise distances differ by 0.04 % (median; 1.6 % at most on 2,000 points).
  N = 70000 here gives the originals in this basis: the matching baseline for larger N.

Deterministic: the random draws for rows [b*8192, (b+1)*8192) come from SeedSequence([seed, b]),
so the output does not depend on --chunk, and a smaller N is a prefix of a larger one.

Memory: the 70,000 x 784 float32 originals (220 MB) plus one chunk (--chunk x 784 float32, 25 MB
at the default); N x 784 never exists.  Output is streamed to disk chunk by chunk:
  DIR/NAME.bin          raw little-endian float32, row-major N x 50 (what bench_fft_e2e reads)
  DIR/NAME.npy          the same as a .npy (written through a memory map)
  DIR/NAME_labels.npy   int32 labels 0..9
NAME = fmnist{N/1000}k_aug_pca50 (e.g. fmnist100k_aug_pca50), or fmnist{N}_aug_pca50 when N is not a
multiple of 1,000.
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np

FM = "/usr/share/datasets/fashion-mnist"
RNG_BLOCK = 8192  # rows per independent random stream (fixed: it defines the data)
SHIFTS = [(dx, dy) for dx in range(-2, 3) for dy in range(-2, 3) if (dx, dy) != (0, 0)]


def read_idx(path):
    """An IDX file (big-endian header: magic with ndim in byte 3, then ndim uint32 sizes) as uint8."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * d:8 + 4 * d], "big") for d in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_fashion():
    imgs = np.concatenate([read_idx(f"{FM}/{s}-images-idx3-ubyte.gz") for s in ("train", "t10k")])
    labs = np.concatenate([read_idx(f"{FM}/{s}-labels-idx1-ubyte.gz") for s in ("train", "t10k")])
    return imgs.astype(np.float32) / np.float32(255.0), labs.astype(np.int32)


def pca_fit(x, dims, chunk=10000):
    """Exact PCA of x (n, d): eigenvectors of the float64 covariance, accumulated in chunks.

    Returns (mean float32 (d,), components float32 (d, dims) as columns, explained variance
    ratio). Sign: each component's largest-magnitude entry is positive (deterministic)."""
    mean = x.mean(axis=0, dtype=np.float64)
    cov = np.zeros((x.shape[1], x.shape[1]))
    for s in range(0, len(x), chunk):
        xc = x[s:s + chunk].astype(np.float64) - mean
        cov += xc.T @ xc
    w, v = np.linalg.eigh(cov)  # ascending
    w, v = w[::-1], v[:, ::-1][:, :dims]
    v = v * np.sign(v[np.abs(v).argmax(axis=0), np.arange(dims)])
    return mean.astype(np.float32), np.ascontiguousarray(v, dtype=np.float32), float(w[:dims].sum() / w.sum())


def shift_images(img, dx, dy):
    """img (m, 28, 28) moved by dx columns and dy rows, zero fill."""
    out = np.zeros_like(img)
    h, w = img.shape[1:]
    src_r = slice(max(0, -dy), h - max(0, dy))
    dst_r = slice(max(0, dy), h - max(0, -dy))
    src_c = slice(max(0, -dx), w - max(0, dx))
    dst_c = slice(max(0, dx), w - max(0, -dx))
    out[:, dst_r, dst_c] = img[:, src_r, src_c]
    return out


def make_rows(imgs, start, stop, seed, noise):
    """Rows [start, stop) of the expanded set as a (stop - start, 784) float32 array.

    Each RNG block draws its shift ids and noise for all RNG_BLOCK rows and the range takes its
    slice, so a row's value depends only on (seed, row), not on how the range was chunked."""
    n0 = len(imgs)
    parts = []
    r = start
    while r < stop:
        b = r // RNG_BLOCK
        e = min(stop, (b + 1) * RNG_BLOCK)
        lo, hi = r - b * RNG_BLOCK, e - b * RNG_BLOCK
        rows = np.arange(r, e)
        out = imgs[rows % n0]  # fancy indexing: a copy
        aug = np.nonzero(rows >= n0)[0]  # pass 0 (the originals) stays untouched
        if len(aug):
            rng = np.random.default_rng(np.random.SeedSequence([seed, b]))
            sid = rng.integers(0, len(SHIFTS), size=RNG_BLOCK)[lo:hi][aug]
            z = rng.standard_normal(size=(RNG_BLOCK, 28, 28), dtype=np.float32)[lo:hi][aug]
            for s in np.unique(sid):
                sel = aug[sid == s]
                out[sel] = shift_images(out[sel], *SHIFTS[s])
            out[aug] += np.float32(noise) * z
            np.clip(out, 0.0, 1.0, out=out)
        parts.append(out.reshape(len(rows), -1))
        r = e
    return np.concatenate(parts)


def name_for(n):
    return f"fmnist{n // 1000}k_aug_pca50" if n % 1000 == 0 else f"fmnist{n}_aug_pca50"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", type=int, nargs="+", help="numbers of points N (>= 1)")
    ap.add_argument("--out", default="/tmp/tsne-large")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--noise", type=float, default=0.03, help="pixel noise std on the [0,1] scale")
    ap.add_argument("--chunk", type=int, default=RNG_BLOCK, help="rows per streamed chunk (memory only)")
    a = ap.parse_args()
    if min(a.sizes) < 1 or a.chunk < 1:
        sys.exit("sizes and --chunk must be >= 1")
    os.makedirs(a.out, exist_ok=True)

    t = time.time()
    imgs, labs = load_fashion()
    flat = imgs.reshape(len(imgs), -1)
    mean, comp_t, explained = pca_fit(flat, 50)
    del flat
    print(f"PCA-50 on {len(imgs)} originals: {explained:.4f} of the variance, {time.time() - t:.1f} s", flush=True)

    for n in a.sizes:
        t = time.time()
        name = name_for(n)
        npy = np.lib.format.open_memmap(f"{a.out}/{name}.npy", mode="w+", dtype=np.float32, shape=(n, 50))
        with open(f"{a.out}/{name}.bin", "wb") as fbin:
            for s in range(0, n, a.chunk):
                e = min(n, s + a.chunk)
                z = (make_rows(imgs, s, e, a.seed, a.noise) - mean) @ comp_t
                z = np.ascontiguousarray(z, dtype="<f4")
                npy[s:e] = z
                fbin.write(z.tobytes())
        npy.flush()
        del npy
        np.save(f"{a.out}/{name}_labels.npy", labs[np.arange(n) % len(labs)].astype(np.int32))
        print(f"{name}: {n} x 50 -> {a.out}/{name}.{{bin,npy}}, labels {name}_labels.npy, "
              f"{time.time() - t:.1f} s", flush=True)


if __name__ == "__main__":
    main()
