#pragma once
// Image maps (issue 21): each point's own picture drawn at its place in a 2-D embedding, or on a
// regular grid that keeps embedding neighbours next to each other, written as PNG. For the tsne
// program's --images (not part of the library). Needs plot.hpp (stb).
//
//   tsnex::ImageMapStyle style;  style.size = 8000;
//   tsnex::Canvas c = tsnex::render_image_map(Y, images, labels, "title", style);
//   tsnex::write_canvas_png(pending_file, c);
//
// The canvas holds 8-bit RGB (3 bytes a pixel: 8,000 x 8,000 is 192 MB, where plot.hpp's float
// Image would need 768 MB), and the PNG is encoded a row at a time with zlib when available, so
// the encoder adds only a few rows to that.
//
// Overlap: images are drawn from the sparsest to the densest place (density = how many other
// images a thumbnail overlaps), ties by point index, so the last drawn, on top and whole, are the
// images in the middle of each crowd, the most typical ones; an isolated point is never covered.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "images.hpp"
#include "io.hpp"
#include "plot.hpp"

namespace tsnex {

/// An RGB canvas of 8-bit channels, row-major, origin top-left, white when made.
struct Canvas {
    int width = 0, height = 0;
    std::vector<std::uint8_t> rgb;

    Canvas(int w, int h) : width(w), height(h), rgb(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3, 255) {}

    std::uint8_t* at(int x, int y) {
        return &rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3];
    }
    static std::uint8_t byte(float v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.f, 1.f) * 255.f)); }
    /// [x0, x1) x [y0, y1), clipped to the canvas.
    void fill_rect(int x0, int y0, int x1, int y1, Image::Color c) {
        const std::uint8_t r = byte(c.r), g = byte(c.g), b = byte(c.b);
        for (int y = std::max(0, y0); y < std::min(height, y1); ++y)
            for (int x = std::max(0, x0); x < std::min(width, x1); ++x) {
                std::uint8_t* p = at(x, y);
                p[0] = r;
                p[1] = g;
                p[2] = b;
            }
    }
    /// Text with stb_easy_font, each font pixel a scale x scale block; (x, y) = top-left.
    void text(float x, float y, const std::string& s, Image::Color c, float scale = 2.f) {
        text_rects(x, y, s, scale, [&](int x0, int y0, int x1, int y1) { fill_rect(x0, y0, x1, y1, c); });
    }
};

/// One image resampled to w x h RGB pixels by area averaging (each output pixel the mean of the
/// source area it covers): an integer enlargement repeats each pixel exactly, a reduction does not
/// alias. Grey becomes equal R, G, B; `invert` draws grey as 255 - v.
inline std::vector<std::uint8_t> resample_image(const ImageSet& im, std::size_t i, int w, int h, bool invert) {
    const std::uint8_t* src = im.image(i);
    const int sw = im.width, sh = im.height, ch = im.channels;
    // Per output column (row): the source columns (rows) it covers and their weights.
    struct Span {
        int first = 0;
        std::vector<double> weight;
    };
    const auto spans = [](int out, int in) {
        std::vector<Span> s(static_cast<std::size_t>(out));
        const double step = static_cast<double>(in) / out;
        for (int o = 0; o < out; ++o) {
            const double a = o * step, b = (o + 1) * step;
            Span& sp = s[static_cast<std::size_t>(o)];
            sp.first = static_cast<int>(std::floor(a));
            for (int k = sp.first; k < in && k < b; ++k)
                sp.weight.push_back((std::min<double>(b, k + 1) - std::max<double>(a, k)) / step);
        }
        return s;
    };
    const std::vector<Span> xs = spans(w, sw), ys = spans(h, sh);
    std::vector<std::uint8_t> out(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            double acc[3] = {0, 0, 0};
            const Span& sy = ys[static_cast<std::size_t>(y)];
            const Span& sx = xs[static_cast<std::size_t>(x)];
            for (std::size_t a = 0; a < sy.weight.size(); ++a)
                for (std::size_t b = 0; b < sx.weight.size(); ++b) {
                    const double wgt = sy.weight[a] * sx.weight[b];
                    const std::uint8_t* p =
                        src + (static_cast<std::size_t>(sy.first + static_cast<int>(a)) * static_cast<std::size_t>(sw) +
                               static_cast<std::size_t>(sx.first + static_cast<int>(b))) *
                                  static_cast<std::size_t>(ch);
                    for (int c = 0; c < 3; ++c) acc[c] += wgt * p[ch == 3 ? c : 0];
                }
            std::uint8_t* o = &out[(static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 3];
            for (int c = 0; c < 3; ++c) {
                const double v = std::clamp(std::round(acc[c]), 0.0, 255.0);
                o[c] = static_cast<std::uint8_t>(invert && ch == 1 ? 255 - v : v);
            }
        }
    return out;
}

/// Grid cells for points at (x[i], y[i]), given in grid units ([0, cols) x [0, rows), y down):
/// cell[i] = row * cols + column, each point its own cell (cols * rows >= n). Recursive
/// splitting: the longer side of a block of cells is cut in two, the points sorted along that axis
/// and shared in proportion to the cells on each side, down to single cells (a k-d tree laid onto
/// the grid: points close in the embedding share blocks). Then passes of swaps between adjacent
/// cells (a point with a point or an empty cell) while they bring points nearer their own place,
/// which mends the seams between blocks. Deterministic.
inline std::vector<std::size_t> grid_assign(const std::vector<double>& x, const std::vector<double>& y, int cols, int rows) {
    const std::size_t n = x.size();
    const std::size_t cells = static_cast<std::size_t>(cols) * static_cast<std::size_t>(rows);
    if (cells < n) throw io_error("image grid: " + std::to_string(cells) + " cells for " + std::to_string(n) + " points");
    std::vector<std::size_t> cell(n), idx(n);
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    struct Block {
        std::size_t begin, end;  // points idx[begin, end)
        int c0, c1, r0, r1;      // cells [c0, c1) x [r0, r1)
    };
    std::vector<Block> stack{{0, n, 0, cols, 0, rows}};
    while (!stack.empty()) {
        const Block b = stack.back();
        stack.pop_back();
        const std::size_t m = b.end - b.begin;
        if (m == 0) continue;
        const int bw = b.c1 - b.c0, bh = b.r1 - b.r0;
        if (bw * bh == 1 || m == 1) {
            if (m == 1) {  // the cell of the block nearest the point's place
                const std::size_t p = idx[b.begin];
                const int c = std::clamp(static_cast<int>(std::floor(x[p])), b.c0, b.c1 - 1);
                const int r = std::clamp(static_cast<int>(std::floor(y[p])), b.r0, b.r1 - 1);
                cell[p] = static_cast<std::size_t>(r) * static_cast<std::size_t>(cols) + static_cast<std::size_t>(c);
            }
            continue;
        }
        const bool split_cols = bw >= bh;
        const int half = (split_cols ? bw : bh) / 2;
        const std::size_t cap_a = static_cast<std::size_t>(split_cols ? half * bh : bw * half);
        const std::size_t cap_b = static_cast<std::size_t>(bw * bh) - cap_a;
        const auto key = [&](std::size_t p) { return split_cols ? x[p] : y[p]; };
        std::stable_sort(idx.begin() + static_cast<std::ptrdiff_t>(b.begin), idx.begin() + static_cast<std::ptrdiff_t>(b.end),
                         [&](std::size_t p, std::size_t q) { return key(p) < key(q); });
        // Points to side a in proportion to its cells, within both sides' capacity.
        std::size_t na = static_cast<std::size_t>(std::llround(static_cast<double>(m) * static_cast<double>(cap_a) /
                                                               static_cast<double>(cap_a + cap_b)));
        na = std::clamp(na, m > cap_b ? m - cap_b : std::size_t{0}, std::min(cap_a, m));
        const std::size_t mid = b.begin + na;
        if (split_cols) {
            stack.push_back({b.begin, mid, b.c0, b.c0 + half, b.r0, b.r1});
            stack.push_back({mid, b.end, b.c0 + half, b.c1, b.r0, b.r1});
        } else {
            stack.push_back({b.begin, mid, b.c0, b.c1, b.r0, b.r0 + half});
            stack.push_back({mid, b.end, b.c0, b.c1, b.r0 + half, b.r1});
        }
    }
    // Swap improvement: cost of point p in cell (c, r) = squared distance from its place to the
    // cell's centre.
    std::vector<std::ptrdiff_t> owner(cells, -1);
    for (std::size_t p = 0; p < n; ++p) owner[cell[p]] = static_cast<std::ptrdiff_t>(p);
    const auto cost = [&](std::ptrdiff_t p, std::size_t k) {
        if (p < 0) return 0.0;
        const double cx = static_cast<double>(k % static_cast<std::size_t>(cols)) + 0.5;
        const double cy = static_cast<double>(k / static_cast<std::size_t>(cols)) + 0.5;
        const auto q = static_cast<std::size_t>(p);
        return (x[q] - cx) * (x[q] - cx) + (y[q] - cy) * (y[q] - cy);
    };
    for (int pass = 0; pass < 8; ++pass) {
        bool changed = false;
        for (std::size_t k = 0; k < cells; ++k) {
            const std::size_t c = k % static_cast<std::size_t>(cols);
            for (const std::size_t j : {k + 1, k + static_cast<std::size_t>(cols)}) {
                if (j >= cells || (j == k + 1 && c + 1 == static_cast<std::size_t>(cols))) continue;
                const std::ptrdiff_t a = owner[k], b = owner[j];
                if (a < 0 && b < 0) continue;
                if (cost(a, j) + cost(b, k) < cost(a, k) + cost(b, j) - 1e-12) {
                    std::swap(owner[k], owner[j]);
                    if (a >= 0) cell[static_cast<std::size_t>(a)] = j;
                    if (b >= 0) cell[static_cast<std::size_t>(b)] = k;
                    changed = true;
                }
            }
        }
        if (!changed) break;
    }
    return cell;
}

struct ImageMapStyle {
    int size = 900;          ///< canvas width and height in pixels
    int image_size = 0;      ///< longest side of a drawn image; 0 = automatic (see default_image_size)
    bool grid = false;       ///< snap to a grid (grid_assign)
    bool invert = false;     ///< grey images as 255 - v
    std::size_t max_legend_entries = 30;
    std::string footer;      ///< text under the map (default: "N images")
};

/// The default thumbnail size: the side of a square share of the plot area per point,
/// sqrt(area / N), within 8 and 128 pixels. t-SNE maps fill about half of their bounding box, so
/// thumbnails of this size overlap in the crowds and leave gaps between them: a dense map with the
/// crowds' typical images on top (see the overlap rule) and readable at any N.
inline int default_image_size(double area_w, double area_h, std::size_t n) {
    const double share = std::sqrt(area_w * area_h / static_cast<double>(std::max<std::size_t>(n, 1)));
    return static_cast<int>(std::clamp(std::round(share), 8.0, 128.0));
}

/// Renders the first two columns of Y with each point's image (one per row of Y) on a white
/// canvas: at its place, or on a grid (style.grid). labels: empty, or one per row: a border in the
/// label's colour and a legend, as the scatter plot colours them. Points with a non-finite
/// coordinate are not drawn.
template <class Derived>
Canvas render_image_map(const Eigen::DenseBase<Derived>& Y, const ImageSet& images, const std::vector<int>& labels,
                        const std::string& title, const ImageMapStyle& style) {
    const Eigen::Index n = Y.rows();
    if (Y.cols() < 2) throw io_error("image map: the embedding needs at least 2 columns, got " + std::to_string(Y.cols()));
    if (images.count != static_cast<std::size_t>(n))
        throw io_error("image map: " + std::to_string(images.count) + " images for " + std::to_string(n) + " points");
    if (!labels.empty() && labels.size() != static_cast<std::size_t>(n))
        throw io_error("image map: " + std::to_string(labels.size()) + " labels for " + std::to_string(n) + " points");
    const int W = std::max(200, style.size), H = W;
    const float ui = static_cast<float>(W) / 900.f;
    const float text_scale = std::max(1.f, 2.f * ui), title_scale = std::max(1.f, 3.f * ui);
    Canvas img(W, H);
    const Image::Color ink{0.15f, 0.15f, 0.15f}, frame{0.8f, 0.8f, 0.8f};

    std::map<int, std::size_t> category;
    for (int l : labels) category.emplace(l, 0);
    std::size_t k = 0;
    for (auto& kv : category) kv.second = k++;
    const bool legend = !category.empty();
    float side_w = 0;
    if (legend) {
        for (const auto& kv : category) side_w = std::max(side_w, Image::text_width(std::to_string(kv.first), text_scale));
        side_w += std::max(14 * ui, 6 * text_scale) + 26 * ui;
    }
    const float margin = 30 * ui, top = title.empty() ? 30.f * ui : 60.f * ui;
    const float ax0 = margin, ax1 = static_cast<float>(W) - margin - side_w - (side_w > 0 ? 10.f * ui : 0.f);
    const float ay0 = top, ay1 = static_cast<float>(H) - margin;
    const double pw = static_cast<double>(ax1 - ax0), ph = static_cast<double>(ay1 - ay0);
    img.fill_rect(static_cast<int>(ax0) - 1, static_cast<int>(ay0) - 1, static_cast<int>(ax1) + 1, static_cast<int>(ay0), frame);
    img.fill_rect(static_cast<int>(ax0) - 1, static_cast<int>(ay1), static_cast<int>(ax1) + 1, static_cast<int>(ay1) + 1, frame);
    img.fill_rect(static_cast<int>(ax0) - 1, static_cast<int>(ay0), static_cast<int>(ax0), static_cast<int>(ay1), frame);
    img.fill_rect(static_cast<int>(ax1), static_cast<int>(ay0), static_cast<int>(ax1) + 1, static_cast<int>(ay1), frame);

    std::vector<std::size_t> shown;  // the points with finite coordinates
    for (Eigen::Index i = 0; i < n; ++i)
        if (std::isfinite(static_cast<double>(Y(i, 0))) && std::isfinite(static_cast<double>(Y(i, 1))))
            shown.push_back(static_cast<std::size_t>(i));
    const View v = data_view(Y);
    const double xspan = std::max(v.xmax - v.xmin, 1e-30), yspan = std::max(v.ymax - v.ymin, 1e-30);
    const std::size_t m = shown.size();
    // Centre (cx[j], cy[j]) in canvas pixels and the longest side of every thumbnail.
    std::vector<double> px(m), py(m);
    int side = 0;
    if (style.grid && m > 0) {
        // As many columns as keep the cells square in the plot area, rows for the rest.
        const int cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(m) * pw / ph))));
        const int rows = static_cast<int>((m + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols));
        const int pitch = std::max(1, static_cast<int>(std::floor(std::min(pw / cols, ph / rows))));
        const int gap = pitch >= 8 ? std::max(1, pitch / 16) : 0;
        side = style.image_size > 0 ? std::min(style.image_size, pitch) : std::max(1, pitch - gap);
        std::vector<double> gx(m), gy(m);
        for (std::size_t j = 0; j < m; ++j) {
            const auto i = static_cast<Eigen::Index>(shown[j]);
            gx[j] = (static_cast<double>(Y(i, 0)) - v.xmin) / xspan * cols;
            gy[j] = (v.ymax - static_cast<double>(Y(i, 1))) / yspan * rows;  // up in the map is up on the grid
        }
        const std::vector<std::size_t> cell = grid_assign(gx, gy, cols, rows);
        const double ox = static_cast<double>(ax0) + (pw - static_cast<double>(cols) * pitch) / 2;
        const double oy = static_cast<double>(ay0) + (ph - static_cast<double>(rows) * pitch) / 2;
        for (std::size_t j = 0; j < m; ++j) {
            px[j] = ox + (static_cast<double>(cell[j] % static_cast<std::size_t>(cols)) + 0.5) * pitch;
            py[j] = oy + (static_cast<double>(cell[j] / static_cast<std::size_t>(cols)) + 0.5) * pitch;
        }
    } else if (m > 0) {
        side = style.image_size > 0 ? style.image_size : default_image_size(pw, ph, m);
        const double pad = side / 2.0 + 3;
        const double qw = std::max(1.0, pw - 2 * pad), qh = std::max(1.0, ph - 2 * pad);
        const double scale = std::min(qw / xspan, qh / yspan);
        const double cx = static_cast<double>(ax0 + ax1) / 2, cy = static_cast<double>(ay0 + ay1) / 2;
        const double mx = (v.xmin + v.xmax) / 2, my = (v.ymin + v.ymax) / 2;
        for (std::size_t j = 0; j < m; ++j) {
            const auto i = static_cast<Eigen::Index>(shown[j]);
            px[j] = cx + (static_cast<double>(Y(i, 0)) - mx) * scale;
            py[j] = cy - (static_cast<double>(Y(i, 1)) - my) * scale;
        }
    }
    // Thumbnail size: longest side `side`, the image's aspect kept.
    const int tw = images.width >= images.height ? side : std::max(1, static_cast<int>(std::lround(
                                                                          static_cast<double>(side) * images.width / images.height)));
    const int th = images.height >= images.width ? side : std::max(1, static_cast<int>(std::lround(
                                                                          static_cast<double>(side) * images.height / images.width)));
    const int border = legend ? std::max(1, static_cast<int>(std::lround(side / 14.0))) : 0;

    // Drawing order: by how many other thumbnails each one overlaps (a uniform grid of buckets the
    // size of a thumbnail finds them), fewest first; ties by index.
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), std::size_t{0});
    if (!style.grid && m > 1) {
        const double bw = std::max(1, tw + 2 * border), bh = std::max(1, th + 2 * border);
        std::map<std::pair<long long, long long>, std::vector<std::size_t>> buckets;
        const auto bucket = [&](std::size_t j) {
            return std::make_pair(static_cast<long long>(std::floor(px[j] / bw)), static_cast<long long>(std::floor(py[j] / bh)));
        };
        for (std::size_t j = 0; j < m; ++j) buckets[bucket(j)].push_back(j);
        std::vector<std::size_t> overlaps(m, 0);
        for (std::size_t j = 0; j < m; ++j) {
            const auto [bx, by] = bucket(j);
            for (long long dy = -1; dy <= 1; ++dy)
                for (long long dx = -1; dx <= 1; ++dx) {
                    const auto it = buckets.find({bx + dx, by + dy});
                    if (it == buckets.end()) continue;
                    for (std::size_t q : it->second)
                        if (q != j && std::abs(px[q] - px[j]) < bw && std::abs(py[q] - py[j]) < bh) ++overlaps[j];
                }
        }
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return overlaps[a] < overlaps[b]; });
    }
    for (std::size_t j : order) {
        const std::size_t i = shown[j];
        const int x0 = static_cast<int>(std::floor(px[j] - tw / 2.0 + 0.5)), y0 = static_cast<int>(std::floor(py[j] - th / 2.0 + 0.5));
        if (border > 0)
            img.fill_rect(x0 - border, y0 - border, x0 + tw + border, y0 + th + border, category_color(category[labels[i]]));
        const std::vector<std::uint8_t> t = resample_image(images, i, tw, th, style.invert);
        for (int y = std::max(0, y0); y < std::min(H, y0 + th); ++y)
            for (int x = std::max(0, x0); x < std::min(W, x0 + tw); ++x)
                std::memcpy(img.at(x, y), &t[(static_cast<std::size_t>(y - y0) * static_cast<std::size_t>(tw) +
                                              static_cast<std::size_t>(x - x0)) * 3], 3);
    }

    if (!title.empty()) {
        const float tw_ = Image::text_width(title, title_scale);
        img.text(std::max(margin, (static_cast<float>(W) - tw_) / 2), 18 * ui, title, ink, title_scale);
    }
    if (legend) {
        const float lx = ax1 + 16 * ui;
        float ly = ay0 + 6 * ui;
        std::size_t count = 0;
        const float row_h = std::max(24 * ui, 10 * text_scale);
        const int sw = static_cast<int>(std::max(14 * ui, 6 * text_scale));
        for (const auto& kv : category) {
            if (count == style.max_legend_entries) break;
            img.fill_rect(static_cast<int>(lx), static_cast<int>(ly), static_cast<int>(lx) + sw, static_cast<int>(ly) + sw,
                          category_color(kv.second));
            img.text(lx + static_cast<float>(sw) + 8 * ui, ly, std::to_string(kv.first), ink, text_scale);
            ly += row_h;
            ++count;
        }
        if (category.size() > count) img.text(lx, ly, "+" + std::to_string(category.size() - count), ink, text_scale);
    }
    const std::string footer = style.footer.empty() ? std::to_string(m) + " images" : style.footer;
    img.text(ax0, ay1 + 8 * ui, footer, Image::Color{0.45f, 0.45f, 0.45f}, text_scale);
    return img;
}

namespace detail {
inline void put_be32(std::vector<unsigned char>& v, std::uint32_t x) {
    for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<unsigned char>((x >> s) & 0xff));
}
#if TSNE_HAVE_ZLIB
/// One PNG chunk (length, type, data, CRC) written to `out`.
inline void png_chunk(PendingFile& out, const char* type, const unsigned char* data, std::size_t size) {
    std::vector<unsigned char> head;
    put_be32(head, static_cast<std::uint32_t>(size));
    head.insert(head.end(), type, type + 4);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(type), 4);
    if (size > 0) crc = crc32(crc, data, static_cast<uInt>(size));
    std::vector<unsigned char> tail;
    put_be32(tail, static_cast<std::uint32_t>(crc));
    write_bytes(out, head.data(), head.size());
    write_bytes(out, data, size);
    write_bytes(out, tail.data(), tail.size());
}
#endif
}  // namespace detail

/// Writes the canvas as an RGB PNG into a pending output. With zlib, rows are filtered (each with
/// the PNG filter of smallest absolute sum, the usual heuristic) and compressed one at a time, so
/// memory stays at the canvas plus a few rows; without it, stb encodes the whole image in memory.
inline void write_canvas_png(PendingFile& out, const Canvas& c) {
#if TSNE_HAVE_ZLIB
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    write_bytes(out, signature, 8);
    std::vector<unsigned char> ihdr;
    detail::put_be32(ihdr, static_cast<std::uint32_t>(c.width));
    detail::put_be32(ihdr, static_cast<std::uint32_t>(c.height));
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8-bit RGB, deflate, adaptive filters, no interlace
    detail::png_chunk(out, "IHDR", ihdr.data(), ihdr.size());
    z_stream z{};
    if (deflateInit(&z, 6) != Z_OK) throw io_error(out.path() + ": PNG encoding failed (zlib)");
    const std::size_t stride = static_cast<std::size_t>(c.width) * 3;
    std::vector<unsigned char> zbuf(1 << 16), row(stride + 1), best(stride + 1);
    const auto pump = [&](int flush) {
        int rc = Z_OK;
        do {
            z.next_out = zbuf.data();
            z.avail_out = static_cast<uInt>(zbuf.size());
            rc = deflate(&z, flush);
            const std::size_t have = zbuf.size() - z.avail_out;
            if (have > 0) detail::png_chunk(out, "IDAT", zbuf.data(), have);
        } while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    };
    try {
        for (int y = 0; y < c.height; ++y) {
            const unsigned char* cur = c.rgb.data() + static_cast<std::size_t>(y) * stride;
            const unsigned char* prev = y > 0 ? cur - stride : nullptr;
            long best_sum = std::numeric_limits<long>::max();
            for (unsigned char f = 0; f < 5; ++f) {
                row[0] = f;
                long sum = 0;
                for (std::size_t x = 0; x < stride; ++x) {
                    const int a = x >= 3 ? cur[x - 3] : 0, b = prev ? prev[x] : 0, cc = x >= 3 && prev ? prev[x - 3] : 0;
                    int pred = 0;
                    switch (f) {
                        case 1: pred = a; break;
                        case 2: pred = b; break;
                        case 3: pred = (a + b) / 2; break;
                        case 4: {
                            const int p = a + b - cc, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - cc);
                            pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : cc;
                            break;
                        }
                        default: break;
                    }
                    const auto d = static_cast<unsigned char>(cur[x] - pred);
                    row[x + 1] = d;
                    sum += d < 128 ? d : 256 - d;
                }
                if (sum < best_sum) {
                    best_sum = sum;
                    best.swap(row);
                }
            }
            z.next_in = best.data();
            z.avail_in = static_cast<uInt>(best.size());
            pump(Z_NO_FLUSH);
        }
        pump(Z_FINISH);
    } catch (...) {
        deflateEnd(&z);
        throw;
    }
    deflateEnd(&z);
    detail::png_chunk(out, "IEND", nullptr, 0);
#else
    std::vector<unsigned char> png;
    if (!stbi_write_png_to_func(detail::png_sink, &png, c.width, c.height, 3, c.rgb.data(), c.width * 3))
        throw io_error("PNG encoding failed");
    write_bytes(out, png.data(), png.size());
#endif
}

}  // namespace tsnex
