#pragma once
// Scatter plots of 2-D embeddings as PNG, for the examples and the tsne program (not part of the
// library). Needs stb_image_write.h and stb_easy_font.h (Debian: libstb-dev); the build defines
// TSNE_HAVE_STB=1 when they are found.
//
//   tsnex::write_scatter_png("digits.png", Y, labels, "digits (t-SNE)");
//
// Points are anti-aliased discs blended with alpha; their radius and opacity shrink as N grows
// so 70,000 points still show structure. They are drawn in a fixed pseudo-random order, so no
// class is always painted on top. Colouring (tsnex::Coloring): by label with a 10-colour
// categorical palette (tab10-like), then 10 more (tab20's light tones), then generated hues, and
// a legend; by a value per point on a continuous colour map with a colour bar; or by given RGB
// colours. A fixed tsnex::View keeps the frames of an animation on the same axes.
//
// This header holds the stb implementations (STB_IMAGE_WRITE_IMPLEMENTATION): include it in one
// translation unit per program (the examples are all single-TU), or define
// TSNEX_PLOT_NO_STB_IMPLEMENTATION in all but one.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <tsne/tsne.hpp>

#include "io.hpp"

#ifndef TSNEX_PLOT_NO_STB_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#if TSNE_HAVE_ZLIB
// stb's own deflate makes PNGs about 20% larger than zlib's; with zlib in the build (it reads .gz
// inputs) PNGs go through zlib instead: this is what keeps the 70,000 images of a Fashion-MNIST
// page (page.hpp) under its 40 MB budget. stb frees the buffer with free().
#include <cstdlib>
#include <zlib.h>
namespace tsnex::detail {
inline unsigned char* stbiw_zlib_compress(unsigned char* data, int len, int* out_len, int /*quality*/) {
    uLongf size = compressBound(static_cast<uLong>(len));
    auto* out = static_cast<unsigned char*>(std::malloc(size));
    if (!out) return nullptr;
    if (compress2(out, &size, data, static_cast<uLong>(len), 6) != Z_OK) {  // 9: 1% smaller, 4x slower
        std::free(out);
        return nullptr;
    }
    *out_len = static_cast<int>(size);
    return out;
}
}  // namespace tsnex::detail
#define STBIW_ZLIB_COMPRESS tsnex::detail::stbiw_zlib_compress
#endif
#endif
#include <stb_easy_font.h>
#include <stb_image_write.h>

namespace tsnex {

/// The rectangles [x0, x1) x [y0, y1) that draw `s` with stb_easy_font at top-left (x, y), each
/// font pixel a scale x scale block, passed to rect(x0, y0, x1, y1) (the canvases' text()).
template <class Rect>
void text_rects(float x, float y, const std::string& s, float scale, Rect&& rect) {
    std::vector<char> str(s.begin(), s.end());
    str.push_back('\0');
    std::vector<char> buf(str.size() * 300 + 1024);  // ~270 bytes per character
    const int quads = stb_easy_font_print(0, 0, str.data(), nullptr, buf.data(), static_cast<int>(buf.size()));
    for (int q = 0; q < quads; ++q) {
        float vx[4], vy[4];
        for (int v = 0; v < 4; ++v) {
            const char* vert = buf.data() + (static_cast<std::size_t>(q) * 4 + static_cast<std::size_t>(v)) * 16;
            std::memcpy(&vx[v], vert, sizeof(float));
            std::memcpy(&vy[v], vert + sizeof(float), sizeof(float));
        }
        const float qx0 = *std::min_element(vx, vx + 4), qx1 = *std::max_element(vx, vx + 4);
        const float qy0 = *std::min_element(vy, vy + 4), qy1 = *std::max_element(vy, vy + 4);
        rect(static_cast<int>(std::lround(x + qx0 * scale)), static_cast<int>(std::lround(y + qy0 * scale)),
             static_cast<int>(std::lround(x + qx1 * scale)), static_cast<int>(std::lround(y + qy1 * scale)));
    }
}

/// An RGB image with float channels in [0, 1], row-major, origin top-left.
struct Image {
    int width = 0, height = 0;
    std::vector<float> rgb;

    Image(int w, int h) : width(w), height(h), rgb(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3, 1.f) {}

    struct Color {
        float r, g, b;
    };

    /// Blends colour c over pixel (x, y) with opacity a (ignored outside the image).
    void blend(int x, int y, Color c, float a) {
        if (x < 0 || y < 0 || x >= width || y >= height || !(a > 0)) return;
        a = std::min(a, 1.f);
        float* p = &rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3];
        p[0] += (c.r - p[0]) * a;
        p[1] += (c.g - p[1]) * a;
        p[2] += (c.b - p[2]) * a;
    }
    void fill_rect(int x0, int y0, int x1, int y1, Color c, float a = 1.f) {  // [x0, x1) x [y0, y1)
        for (int y = std::max(0, y0); y < std::min(height, y1); ++y)
            for (int x = std::max(0, x0); x < std::min(width, x1); ++x) blend(x, y, c, a);
    }
    /// Anti-aliased filled disc centred at (cx, cy) (pixel centres are at integer + 0.5).
    void disc(float cx, float cy, float r, Color c, float a) {
        const int x0 = static_cast<int>(std::floor(cx - r - 1)), x1 = static_cast<int>(std::ceil(cx + r + 1));
        const int y0 = static_cast<int>(std::floor(cy - r - 1)), y1 = static_cast<int>(std::ceil(cy + r + 1));
        for (int y = y0; y <= y1; ++y)
            for (int x = x0; x <= x1; ++x) {
                const float dx = static_cast<float>(x) + 0.5f - cx, dy = static_cast<float>(y) + 0.5f - cy;
                const float cover = std::clamp(r + 0.5f - std::sqrt(dx * dx + dy * dy), 0.f, 1.f);
                if (cover > 0) blend(x, y, c, a * cover);
            }
    }
    /// Text with stb_easy_font, each font pixel drawn as a scale x scale block. (x, y) = top-left.
    void text(float x, float y, const std::string& s, Color c, float scale = 2.f) {
        text_rects(x, y, s, scale, [&](int x0, int y0, int x1, int y1) { fill_rect(x0, y0, x1, y1, c); });
    }
    static float text_width(const std::string& s, float scale = 2.f) {
        std::vector<char> str(s.begin(), s.end());
        str.push_back('\0');
        return static_cast<float>(stb_easy_font_width(str.data())) * scale;
    }

    std::vector<unsigned char> to_bytes() const {
        std::vector<unsigned char> out(rgb.size());
        for (std::size_t i = 0; i < rgb.size(); ++i)
            out[i] = static_cast<unsigned char>(std::lround(std::clamp(rgb[i], 0.f, 1.f) * 255.f));
        return out;
    }
};

/// Colour of the k-th category: tab10-like first, then lighter tones, then spread hues.
inline Image::Color category_color(std::size_t k) {
    static constexpr std::array<std::uint32_t, 20> palette = {
        0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf,
        0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896, 0xc5b0d5, 0xc49c94, 0xf7b6d2, 0xc7c7c7, 0xdbdb8d, 0x9edae5};
    if (k < palette.size()) {
        const std::uint32_t c = palette[k];
        return {static_cast<float>((c >> 16) & 0xff) / 255.f, static_cast<float>((c >> 8) & 0xff) / 255.f,
                static_cast<float>(c & 0xff) / 255.f};
    }
    // Golden-ratio hue steps, fixed saturation/value (HSV → RGB).
    const double h = std::fmod(0.13 + static_cast<double>(k) * 0.6180339887498949, 1.0) * 6.0;
    const double s = 0.65, v = 0.85, f = h - std::floor(h);
    const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    double r = v, g = t, b = p;
    switch (static_cast<int>(h) % 6) {
        case 0: r = v; g = t; b = p; break;
        case 1: r = q; g = v; b = p; break;
        case 2: r = p; g = v; b = t; break;
        case 3: r = p; g = q; b = v; break;
        case 4: r = t; g = p; b = v; break;
        default: r = v; g = p; b = q; break;
    }
    return {static_cast<float>(r), static_cast<float>(g), static_cast<float>(b)};
}

/// Continuous colour map for t in [0, 1]: dark purple, blue, teal, green, yellow (monotone in
/// lightness, so it reads in greyscale too). NaN maps to grey.
inline Image::Color value_color(double t) {
    if (std::isnan(t)) return {0.6f, 0.6f, 0.6f};
    static constexpr std::array<std::array<float, 3>, 6> anchors = {{{0.23f, 0.05f, 0.33f},
                                                                     {0.25f, 0.27f, 0.55f},
                                                                     {0.16f, 0.47f, 0.56f},
                                                                     {0.15f, 0.65f, 0.50f},
                                                                     {0.50f, 0.80f, 0.29f},
                                                                     {0.98f, 0.90f, 0.14f}}};
    const double x = std::clamp(t, 0.0, 1.0) * static_cast<double>(anchors.size() - 1);
    const auto a = std::min<std::size_t>(static_cast<std::size_t>(x), anchors.size() - 2);
    const auto f = static_cast<float>(x - static_cast<double>(a));
    const auto& p = anchors[a];
    const auto& q = anchors[a + 1];
    return {p[0] + (q[0] - p[0]) * f, p[1] + (q[1] - p[1]) * f, p[2] + (q[2] - p[2]) * f};
}

/// How points are coloured: one colour, by label (with a legend), by a value per point (with a
/// colour bar; the colour range runs from the `lower` to the `upper` percentile of the finite
/// values, +infinity counts as above everything), or by given RGB colours in [0, 1] (N x 3).
struct Coloring {
    enum class Kind { single, labels, values, rgb };
    Kind kind = Kind::single;
    std::vector<int> labels;
    std::vector<double> values;
    std::string values_name;  ///< shown above the colour bar
    double lower = 1, upper = 99;
    tsne::RowMatrix<float> rgb;

    static Coloring by_labels(std::vector<int> l) {
        Coloring c;
        c.kind = l.empty() ? Kind::single : Kind::labels;
        c.labels = std::move(l);
        return c;
    }
    static Coloring by_values(std::vector<double> v, std::string name, double lower_pct = 1, double upper_pct = 99) {
        Coloring c;
        c.kind = Kind::values;
        c.values = std::move(v);
        c.values_name = std::move(name);
        c.lower = lower_pct;
        c.upper = upper_pct;
        return c;
    }
    static Coloring by_rgb(tsne::RowMatrix<float> colors) {
        Coloring c;
        c.kind = Kind::rgb;
        c.rgb = std::move(colors);
        return c;
    }
};

/// The data rectangle a plot shows. Fixing it across frames keeps an animation steady.
struct View {
    double xmin = 0, xmax = -1, ymin = 0, ymax = -1;  ///< empty (xmin > xmax) = fit the data
    bool empty() const noexcept { return !(xmin <= xmax && ymin <= ymax); }
    void include(const View& o) {
        if (o.empty()) return;
        if (empty()) {
            *this = o;
            return;
        }
        xmin = std::min(xmin, o.xmin);
        xmax = std::max(xmax, o.xmax);
        ymin = std::min(ymin, o.ymin);
        ymax = std::max(ymax, o.ymax);
    }
};

/// Bounds of the finite points of Y's first two columns.
template <class Derived>
View data_view(const Eigen::DenseBase<Derived>& Y) {
    View v;
    v.xmin = v.ymin = std::numeric_limits<double>::infinity();
    v.xmax = v.ymax = -v.xmin;
    for (Eigen::Index i = 0; i < Y.rows(); ++i) {
        const double x = static_cast<double>(Y(i, 0)), y = static_cast<double>(Y(i, 1));
        if (!std::isfinite(x) || !std::isfinite(y)) continue;
        v.xmin = std::min(v.xmin, x);
        v.xmax = std::max(v.xmax, x);
        v.ymin = std::min(v.ymin, y);
        v.ymax = std::max(v.ymax, y);
    }
    return v;
}

struct ScatterStyle {
    int size = 900;          ///< image width and height in pixels
    float radius = 0;        ///< point radius in pixels; 0 = automatic (shrinks with N)
    float alpha = 0;         ///< point opacity; 0 = automatic (lower for large N)
    std::size_t max_legend_entries = 30;
    std::string footer;      ///< text under the plot (default: "N points")
};

namespace detail {

/// Short number for axis and colour-bar labels.
inline std::string short_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

}  // namespace detail

/// Renders the first two columns of Y as a scatter plot coloured as `coloring` says, showing
/// `view` (or the data's bounds when view is empty).
template <class Derived>
Image render_scatter(const Eigen::DenseBase<Derived>& Y, const Coloring& coloring, const std::string& title = {},
                     const ScatterStyle& style = {}, const View& view = {}) {
    const Eigen::Index n = Y.rows();
    if (Y.cols() < 2) throw io_error("scatter plot: the embedding needs at least 2 columns, got " + std::to_string(Y.cols()));
    const auto count_ok = [&](std::size_t have, const char* what) {
        if (static_cast<Eigen::Index>(have) != n)
            throw io_error("scatter plot: " + std::to_string(have) + " " + what + " for " + std::to_string(n) + " points");
    };
    using Kind = Coloring::Kind;
    if (coloring.kind == Kind::labels) count_ok(coloring.labels.size(), "labels");
    if (coloring.kind == Kind::values) count_ok(coloring.values.size(), "values");
    if (coloring.kind == Kind::rgb) {
        count_ok(static_cast<std::size_t>(coloring.rgb.rows()), "colours");
        if (coloring.rgb.cols() != 3) throw io_error("scatter plot: colours need 3 columns (RGB)");
    }
    const int W = std::max(200, style.size), H = W;
    const float ui = static_cast<float>(W) / 900.f;  // text and margins scale with the image
    const float text_scale = std::max(1.f, 2.f * ui), title_scale = std::max(1.f, 3.f * ui);
    Image img(W, H);
    const Image::Color ink{0.15f, 0.15f, 0.15f}, frame{0.8f, 0.8f, 0.8f};

    // Categories: distinct labels in increasing order.
    std::map<int, std::size_t> category;
    if (coloring.kind == Kind::labels) {
        for (int l : coloring.labels) category.emplace(l, 0);
        std::size_t k = 0;
        for (auto& kv : category) kv.second = k++;
    }
    // Continuous values: colour range from robust percentiles of the finite values.
    double vlo = 0, vhi = 1;
    bool above_max = false, below_min = false;
    if (coloring.kind == Kind::values) {
        std::vector<double> finite;
        for (double v : coloring.values)
            if (std::isfinite(v)) finite.push_back(v);
        std::sort(finite.begin(), finite.end());
        if (!finite.empty()) {
            vlo = tsne::detail::quantile_sorted(finite, std::clamp(coloring.lower, 0.0, 100.0) / 100);
            vhi = tsne::detail::quantile_sorted(finite, std::clamp(coloring.upper, 0.0, 100.0) / 100);
        }
        for (double v : coloring.values) {
            above_max = above_max || v > vhi;
            below_min = below_min || v < vlo;
        }
    }
    const auto value_t = [&](double v) { return vhi > vlo ? (v - vlo) / (vhi - vlo) : (std::isnan(v) ? v : 0.5); };

    const bool legend = !category.empty();
    const bool colorbar = coloring.kind == Kind::values;
    const std::size_t legend_rows = std::min(category.size(), style.max_legend_entries);
    float side_w = 0;
    if (legend) {
        for (const auto& kv : category) side_w = std::max(side_w, Image::text_width(std::to_string(kv.first), text_scale));
        side_w += std::max(14 * ui, 6 * text_scale) + 26 * ui;  // swatch + gaps
    }
    const std::string hi_text = (above_max ? ">=" : "") + detail::short_number(vhi);
    const std::string lo_text = (below_min ? "<=" : "") + detail::short_number(vlo);
    if (colorbar)
        side_w = 30 * ui + std::max(Image::text_width(hi_text, text_scale), Image::text_width(lo_text, text_scale)) + 16 * ui;

    // Plot area.
    const float margin = 30 * ui, top = title.empty() ? 30.f * ui : 60.f * ui;
    const float name_h = colorbar && !coloring.values_name.empty() ? 24 * ui : 0;
    const float ax0 = margin, ax1 = static_cast<float>(W) - margin - side_w - (side_w > 0 ? 10.f * ui : 0.f);
    const float ay0 = top + name_h, ay1 = static_cast<float>(H) - margin;

    const View v = view.empty() ? data_view(Y) : view;
    const float nf = static_cast<float>(std::max<Eigen::Index>(n, 1));
    const float radius = style.radius > 0 ? style.radius : std::clamp(150.f * ui / std::sqrt(nf), 1.1f, 6.f * ui);
    const float alpha = style.alpha > 0 ? style.alpha : std::clamp(0.85f * std::sqrt(4000.f / nf), 0.4f, 0.85f);

    img.fill_rect(static_cast<int>(ax0) - 1, static_cast<int>(ay0) - 1, static_cast<int>(ax1) + 1, static_cast<int>(ay0), frame);
    img.fill_rect(static_cast<int>(ax0) - 1, static_cast<int>(ay1), static_cast<int>(ax1) + 1, static_cast<int>(ay1) + 1, frame);
    img.fill_rect(static_cast<int>(ax0) - 1, static_cast<int>(ay0), static_cast<int>(ax0), static_cast<int>(ay1), frame);
    img.fill_rect(static_cast<int>(ax1), static_cast<int>(ay0), static_cast<int>(ax1) + 1, static_cast<int>(ay1), frame);

    if (!v.empty()) {
        const double pad = static_cast<double>(radius) + 4;
        const double pw = static_cast<double>(ax1 - ax0) - 2 * pad, ph = static_cast<double>(ay1 - ay0) - 2 * pad;
        const double span = std::max({v.xmax - v.xmin, (v.ymax - v.ymin) * pw / ph, 1e-30});
        const double scale = pw / span;
        const double cx = static_cast<double>(ax0 + ax1) / 2, cy = static_cast<double>(ay0 + ay1) / 2;
        const double mx = (v.xmin + v.xmax) / 2, my = (v.ymin + v.ymax) / 2;

        // Fixed pseudo-random drawing order (Fisher-Yates with splitmix64): no class always on top.
        std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
        for (Eigen::Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
        std::uint64_t state = 0x9e3779b97f4a7c15ULL;
        auto next = [&state]() {
            std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            return z ^ (z >> 31);
        };
        for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[next() % i]);

        for (Eigen::Index i : order) {
            const double x = static_cast<double>(Y(i, 0)), y = static_cast<double>(Y(i, 1));
            if (!std::isfinite(x) || !std::isfinite(y)) continue;
            const auto si = static_cast<std::size_t>(i);
            Image::Color c = category_color(0);
            switch (coloring.kind) {
                case Kind::labels: c = category_color(category[coloring.labels[si]]); break;
                case Kind::values: c = value_color(value_t(coloring.values[si])); break;
                case Kind::rgb: c = {coloring.rgb(i, 0), coloring.rgb(i, 1), coloring.rgb(i, 2)}; break;
                case Kind::single: break;
            }
            img.disc(static_cast<float>(cx + (x - mx) * scale), static_cast<float>(cy - (y - my) * scale), radius, c, alpha);
        }
    }

    if (!title.empty()) {
        const float tw = Image::text_width(title, title_scale);
        img.text(std::max(margin, (static_cast<float>(W) - tw) / 2), 18 * ui, title, ink, title_scale);
    }
    if (legend) {
        const float lx = ax1 + 16 * ui;
        float ly = ay0 + 6 * ui;
        std::size_t shown = 0;
        // Rows at least one text line apart (stb_easy_font glyphs are about 8 units tall).
        const float row_h = std::max(24 * ui, 10 * text_scale);
        const int sw = static_cast<int>(std::max(14 * ui, 6 * text_scale));
        for (const auto& kv : category) {
            if (shown == legend_rows) break;
            const Image::Color c = category_color(kv.second);
            img.fill_rect(static_cast<int>(lx), static_cast<int>(ly), static_cast<int>(lx) + sw, static_cast<int>(ly) + sw, c);
            img.text(lx + static_cast<float>(sw) + 8 * ui, ly, std::to_string(kv.first), ink, text_scale);
            ly += row_h;
            ++shown;
        }
        if (category.size() > legend_rows)
            img.text(lx, ly, "+" + std::to_string(category.size() - legend_rows), ink, text_scale);
    }
    if (colorbar) {
        const int bx0 = static_cast<int>(ax1 + 16 * ui), bx1 = bx0 + static_cast<int>(18 * ui);
        const int by0 = static_cast<int>(ay0 + 10 * ui), by1 = static_cast<int>(ay0 + (ay1 - ay0) * 0.6f);
        for (int y = by0; y < by1; ++y) {
            const double t = 1.0 - static_cast<double>(y - by0) / std::max(1, by1 - by0 - 1);
            img.fill_rect(bx0, y, bx1, y + 1, value_color(t));
        }
        img.text(static_cast<float>(bx1) + 6 * ui, static_cast<float>(by0) - 2 * ui, hi_text, ink, text_scale);
        img.text(static_cast<float>(bx1) + 6 * ui, static_cast<float>(by1) - 12 * ui, lo_text, ink, text_scale);
        if (!coloring.values_name.empty()) {
            // Above the bar, moved left as far as needed to stay inside the image (the last glyph
            // reaches a little beyond stb_easy_font_width).
            const float nw = Image::text_width(coloring.values_name, text_scale) + 4 * text_scale;
            const float nx = std::min(static_cast<float>(bx0), static_cast<float>(W) - 4 * ui - nw);
            img.text(std::max(ax0, nx), top, coloring.values_name, ink, text_scale);
        }
    }
    const std::string footer = style.footer.empty() ? std::to_string(n) + " points" : style.footer;
    img.text(ax0, ay1 + 8 * ui, footer, Image::Color{0.45f, 0.45f, 0.45f}, text_scale);
    return img;
}

/// Renders the first two columns of Y as a scatter plot. labels: empty, or one per row of Y.
template <class Derived>
Image render_scatter(const Eigen::DenseBase<Derived>& Y, const std::vector<int>& labels = {},
                     const std::string& title = {}, const ScatterStyle& style = {}) {
    return render_scatter(Y, Coloring::by_labels(labels), title, style);
}

namespace detail {
inline void png_sink(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<unsigned char>*>(context);
    const auto* bytes = static_cast<const unsigned char*>(data);
    if (size > 0) out->insert(out->end(), bytes, bytes + size);
}
}  // namespace detail

/// Encodes img as PNG into memory (stb_image_write).
inline std::vector<unsigned char> encode_png(const Image& img) {
    const std::vector<unsigned char> px = img.to_bytes();
    std::vector<unsigned char> png;
    if (!stbi_write_png_to_func(detail::png_sink, &png, img.width, img.height, 3, px.data(), img.width * 3))
        throw io_error("PNG encoding failed");
    return png;
}

/// Writes the PNG of img into a pending output file (committed by the caller).
inline void write_png(PendingFile& out, const Image& img) {
    const std::vector<unsigned char> png = encode_png(img);
    write_bytes(out, png.data(), png.size());
}

/// Writes an image as a PNG file at `path` (atomically).
inline void write_png_file(const std::string& path, const Image& img) {
    PendingFile out(path);
    write_png(out, img);
    out.commit();
}

/// Renders and writes a scatter plot of Y's first two columns to `path` (atomically).
template <class Derived>
void write_scatter_png(const std::string& path, const Eigen::DenseBase<Derived>& Y, const std::vector<int>& labels = {},
                       const std::string& title = {}, const ScatterStyle& style = {}) {
    write_png_file(path, render_scatter(Y, labels, title, style));
}

}  // namespace tsnex
