#pragma once
// Reading the images of an image map (tsnex::ImageSet, images.hpp) for the tsne program (issue 21):
// from a separate file (.npy or IDX: --image-data), from data rows of a known shape
// (--image-shape, or an IDX --input of N x H x W images), or from an IDX array already read.
//
//   tsnex::ImageSet a = tsnex::read_image_file("photos.npy");          // N x H x W [x 1|3]
//   tsnex::ImageSet b = tsnex::images_from_rows(X.data(), n, 64, {8, 8, 1});
//
// Every reader throws tsnex::io_error naming the file (or the option) and the bad value. Not part
// of the library.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "images.hpp"
#include "io.hpp"

namespace tsnex {

/// The shape of one image: height x width x channels (1 = grey, 3 = RGB).
struct ImageShape {
    int height = 0, width = 0, channels = 1;
    std::uint64_t values() const {
        return static_cast<std::uint64_t>(height) * static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(channels);
    }
    std::string str() const {
        return std::to_string(height) + "," + std::to_string(width) + (channels == 1 ? "" : "," + std::to_string(channels));
    }
};

namespace detail {

/// An empty ImageSet of `count` images of shape s, its bytes allocated: count x H x W x C bytes,
/// checked against overflow first (a lying header must not wrap the size).
inline ImageSet allocate_images(const std::string& what, std::uint64_t count, const ImageShape& s) {
    const std::uint64_t per = s.values();
    if (per == 0 || count > std::numeric_limits<std::size_t>::max() / per ||
        count > static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()) / per)
        fail(what, count, " images of ", s.height, " x ", s.width, " x ", s.channels, " bytes do not fit in memory");
    ImageSet im;
    im.count = static_cast<std::size_t>(count);
    im.height = s.height;
    im.width = s.width;
    im.channels = s.channels;
    im.pixels.resize(static_cast<std::size_t>(count * per));
    return im;
}

/// The shape of the images of an array of shape N x H x W or N x H x W x C (C = 1 or 3), or a
/// failure naming `what` and the shape.
inline ImageShape image_shape_of(const std::string& what, const std::vector<std::uint64_t>& shape) {
    const bool ok = (shape.size() == 3 || (shape.size() == 4 && (shape[3] == 1 || shape[3] == 3))) &&
                    shape[1] > 0 && shape[2] > 0 && shape[1] <= 65535 && shape[2] <= 65535;
    if (!ok)
        fail(what, "images must be an array of N x H x W (grey) or N x H x W x 1 or 3 (RGB), H and W from 1 to 65535; "
                   "got shape ",
             shape_string(shape));
    return {static_cast<int>(shape[1]), static_cast<int>(shape[2]), shape.size() == 4 ? static_cast<int>(shape[3]) : 1};
}

/// A float pixel in [0, 1] as a byte, round(255 v); fails on NaN, infinity or a value outside.
inline std::uint8_t unit_to_byte(const std::string& what, double v, std::uint64_t image) {
    if (!(v >= 0 && v <= 1))
        fail(what, "value ", v, " in image ", image,
             " (0-based) is not in [0, 1] (float images must be in [0, 1]; give uint8 for 0 to 255)");
    return static_cast<std::uint8_t>(std::lround(v * 255));
}

}  // namespace detail

/// How the numbers of data rows become 8-bit pixels (--image-shape, and IDX input of a type
/// other than uint8), decided once from the whole data so every image is scaled alike:
///   - all values in [0, 1]: v x 255 (0 = black, 1 = white);
///   - all values >= 0: v x 255 / max (0 stays black, the largest value is white; e.g. the
///     digits' 0..16 and 0..255 pixels both show at full contrast);
///   - some value < 0: (v - min) x 255 / (max - min).
/// A constant data set (max = min) is black when 0, else mid grey.
struct PixelScale {
    double offset = 0, factor = 255;
    template <class T>
    static PixelScale of(const T* v, std::size_t n) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (std::size_t i = 0; i < n; ++i) {
            lo = std::min(lo, static_cast<double>(v[i]));
            hi = std::max(hi, static_cast<double>(v[i]));
        }
        PixelScale s;
        if (!(lo <= hi)) return s;  // no values
        if (lo >= 0 && hi <= 1) return s;
        if (lo >= 0) {
            s.factor = 255 / hi;
            return s;
        }
        s.offset = lo;
        s.factor = hi > lo ? 255 / (hi - lo) : 0;
        return s;
    }
    std::uint8_t operator()(double v) const {
        return static_cast<std::uint8_t>(std::lround(std::clamp((v - offset) * factor, 0.0, 255.0)));
    }
};

/// The rows of a row-major rows x cols matrix as images of shape s (H x W x C, channel last, as
/// the row is laid out), scaled as PixelScale says. `what` names the source in errors (e.g.
/// "--image-shape 8,9"): H x W x C must equal cols.
template <class T>
ImageSet images_from_rows(const T* data, std::size_t rows, std::size_t cols, const ImageShape& s, const std::string& what) {
    if (s.values() != cols)
        throw io_error(what + " makes images of " + std::to_string(s.values()) + " values, but the rows have " +
                       std::to_string(cols) + " (H x W x C must equal the number of features)");
    ImageSet im = detail::allocate_images(what, rows, s);
    const std::size_t n = rows * cols;
    const PixelScale scale = PixelScale::of(data, n);
    for (std::size_t i = 0; i < n; ++i) im.pixels[i] = scale(static_cast<double>(data[i]));
    return im;
}

/// The images of an IDX array of N x H x W or N x H x W x C (C = 1 or 3): uint8 as is, float
/// types in [0, 1] as round(255 v), other integer types must be 0 to 255. `path` names it in errors.
inline ImageSet images_from_idx(const IdxArray& a, const std::string& path) {
    const ImageShape s = detail::image_shape_of(path, a.shape);
    ImageSet im = detail::allocate_images(path, a.shape[0], s);
    if (a.element_size == 1 && a.kind == 'u') {
        std::copy(a.raw.begin(), a.raw.end(), im.pixels.begin());
        return im;
    }
    const std::uint64_t per = s.values();
    for (std::size_t i = 0; i < im.pixels.size(); ++i) {
        const double v = a.at(i);
        if (a.kind == 'f') {
            im.pixels[i] = detail::unit_to_byte(path, v, i / per);
        } else {
            if (!(v >= 0 && v <= 255))
                detail::fail(path, "value ", v, " in image ", i / per, " (0-based) is not a pixel from 0 to 255");
            im.pixels[i] = static_cast<std::uint8_t>(v);
        }
    }
    return im;
}

/// Reads images from an .npy file: C order, N x H x W, N x H x W x 1 or N x H x W x 3, dtype uint8
/// '|u1' (as is) or float32 '<f4' / float64 '<f8' in [0, 1] (round(255 v)). `src` is read once.
inline ImageSet read_image_npy(detail::Source& src) {
    const std::string& path = src.path();
    const NpyHeader h = detail::read_npy_header(src.stream(), path, src.size());
    if (h.fortran_order)
        detail::fail(path, "Fortran-order (column-major) .npy arrays are not supported; save with "
                           "numpy.ascontiguousarray(a)");
    std::size_t esize = 0;
    if (h.descr == "|u1" || h.descr == "<u1") esize = 1;
    else if (h.descr == "<f4") esize = 4;
    else if (h.descr == "<f8") esize = 8;
    else
        detail::fail(path, "unsupported image dtype ", detail::quote(h.descr),
                     " (supported: uint8 '|u1' 0 to 255, float32 '<f4' or float64 '<f8' in [0, 1])");
    const ImageShape s = detail::image_shape_of(path, h.shape);
    const std::uint64_t count = h.shape[0];
    if (count == 0) detail::fail(path, "no images: the array has shape ", detail::shape_string(h.shape));
    ImageSet im = detail::allocate_images(path, count, s);
    const std::uint64_t values = im.pixels.size();
    if (values > std::numeric_limits<std::uint64_t>::max() / esize) detail::fail(path, "implausibly large .npy shape");
    const std::uint64_t need = values * esize;
    if (const auto size = src.size(); size && *size - h.data_offset != need)
        detail::fail(path, "truncated or corrupt .npy data: shape ", detail::shape_string(h.shape), " needs ", need,
                     " bytes of data but ", *size - h.data_offset, " follow the header");
    if (esize == 1) {
        const detail::Blocks b = detail::read_blocks(src, need);
        if (b.size < need || b.more)
            detail::fail(path, "truncated or corrupt .npy data: shape ", detail::shape_string(h.shape), " needs ", need,
                         " bytes of data");
        b.copy_to(im.pixels.data());
        return im;
    }
    // Floats: converted a block at a time, so the file's values are never all held at once.
    const std::uint64_t per = s.values();
    std::vector<unsigned char> buf;
    std::uint64_t done = 0;
    while (done < values) {
        const std::uint64_t take = std::min<std::uint64_t>(values - done, std::uint64_t(1) << 20);
        buf.resize(static_cast<std::size_t>(take * esize));
        if (src.read(buf.data(), buf.size()) != buf.size())
            detail::fail(path, "truncated .npy data: shape ", detail::shape_string(h.shape), " needs ", need, " bytes of data");
        for (std::uint64_t i = 0; i < take; ++i) {
            const double v = detail::decode_le(buf.data() + i * esize, esize, 'f');
            im.pixels[static_cast<std::size_t>(done + i)] = detail::unit_to_byte(path, v, (done + i) / per);
        }
        done += take;
    }
    if (!src.at_end())
        detail::fail(path, "corrupt .npy data: more than the ", need, " bytes that shape ", detail::shape_string(h.shape),
                     " needs follow the header");
    return im;
}

/// Reads images from a file (--image-data): .npy by name or content (read_image_npy), else IDX,
/// plain or gzip-compressed (images_from_idx). A pipe works (read once).
inline ImageSet read_image_file(const std::string& path) {
    detail::Source src(path);
    if (detail::is_npy(src)) return read_image_npy(src);
    const detail::Format f = detail::sniff(src);
    if (f != detail::Format::idx && f != detail::Format::gzip)
        detail::fail(path, "images must be .npy (N x H x W [x 1|3]) or IDX (e.g. t10k-images-idx3-ubyte.gz)");
    return images_from_idx(read_idx_array(src), path);
}

}  // namespace tsnex
