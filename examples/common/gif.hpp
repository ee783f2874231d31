#pragma once
// A small animated-GIF writer for the examples and the tsne program (not part of the library).
//
//   tsnex::GifWriter gif(width, height);
//   for (const tsnex::Image& frame : frames) gif.add(frame, 8);   // delay in 1/100 s
//   gif.write(pending_file);                                       // GIF89a, loops forever
//
// or, streaming (memory for one frame, however many): gif.count(frame) for every frame, then
// gif.begin(out), gif.write_frame(out, frame, delay) for the same frames again, gif.finish(out).
//
// All frames share one global 256-colour palette chosen by popularity: every frame's pixels are
// counted in 15-bit RGB bins (5 bits per channel), the 256 most common bins become the palette
// (each entry is the mean colour of its bin), and every bin maps to its nearest palette entry.
// Scatter plots have a few hundred distinct colours at most, so this loses little. Pixel indices
// are LZW-compressed as the GIF89a specification describes (variable code width up to 12 bits,
// a clear code when the table is full).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io.hpp"
#include "plot.hpp"  // tsnex::Image

namespace tsnex {

class GifWriter {
public:
    GifWriter(int width, int height) : width_(width), height_(height) {
        if (width < 1 || height < 1 || width > 65535 || height > 65535)
            throw io_error("GIF: frame size " + std::to_string(width) + " x " + std::to_string(height) +
                           " is outside 1..65535");
    }

    /// Adds a frame (its size must be the writer's) shown for delay_cs hundredths of a second.
    /// The frame is kept (2 bytes a pixel) until write().
    void add(const Image& img, int delay_cs) {
        frames_.push_back(Frame{bins_of(img, true), std::clamp(delay_cs, 0, 65535)});
    }

    std::size_t frames() const noexcept { return frames_.size(); }

    /// Writes the whole animation (GIF89a, infinite loop) into a pending output file.
    void write(PendingFile& out) const {
        const std::vector<unsigned char> bytes = encode();
        write_bytes(out, bytes.data(), bytes.size());
    }

    /// The complete GIF file in memory.
    std::vector<unsigned char> encode() const {
        if (frames_.empty()) throw io_error("GIF: no frames");
        std::array<std::uint8_t, 768> palette{};
        std::vector<std::uint8_t> bin_to_index(1u << 15, 0);
        make_palette(palette, bin_to_index);
        std::vector<unsigned char> g;
        g.reserve(1024);
        append_header(palette, g);
        for (const Frame& f : frames_) append_frame(f.bins, f.delay_cs, bin_to_index, g);
        g.push_back(0x3B);  // trailer
        return g;
    }

    // Streaming, in memory bounded by one frame whatever the number of frames: count() every
    // frame (its colours join the palette's histogram; the frame is not kept), then begin(),
    // then write_frame() each frame again, the same frames in the same order (encoded and written
    // at once), then finish(). The file is byte for byte the one add() and write() make.

    /// Pass 1: counts the colours of a frame.
    void count(const Image& img) {
        bins_of(img, true);
        ++counted_;
    }

    /// Pass 2 starts: chooses the palette and writes the GIF header.
    void begin(PendingFile& out) {
        if (counted_ == 0) throw io_error("GIF: no frames");
        palette_.emplace();
        bin_to_index_.assign(1u << 15, 0);
        make_palette(*palette_, bin_to_index_);
        std::vector<unsigned char> g;
        append_header(*palette_, g);
        write_bytes(out, g.data(), g.size());
    }

    /// Pass 2: encodes and writes one frame (counted in pass 1).
    void write_frame(PendingFile& out, const Image& img, int delay_cs) {
        if (!palette_) throw io_error("GIF: write_frame() before begin()");
        if (written_ >= counted_) throw io_error("GIF: more frames written than counted");
        std::vector<unsigned char> g;
        append_frame(bins_of(img, false), std::clamp(delay_cs, 0, 65535), bin_to_index_, g);
        write_bytes(out, g.data(), g.size());
        ++written_;
    }

    /// Pass 2 ends: writes the trailer.
    void finish(PendingFile& out) {
        if (written_ != counted_) throw io_error("GIF: fewer frames written than counted");
        const unsigned char trailer = 0x3B;
        write_bytes(out, &trailer, 1);
    }

private:
    struct Frame {
        std::vector<std::uint16_t> bins;
        int delay_cs;
    };
    struct Bin {
        std::uint64_t count = 0, r = 0, g = 0, b = 0;
    };

    /// The 15-bit colour bin of every pixel; `count` adds them to the histogram.
    std::vector<std::uint16_t> bins_of(const Image& img, bool count) {
        if (img.width != width_ || img.height != height_)
            throw io_error("GIF: all frames must be " + std::to_string(width_) + " x " + std::to_string(height_));
        std::vector<std::uint16_t> bins(static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_));
        const std::vector<unsigned char> px = img.to_bytes();
        for (std::size_t i = 0; i < bins.size(); ++i) {
            const unsigned r = px[3 * i], g = px[3 * i + 1], b = px[3 * i + 2];
            const auto bin = static_cast<std::uint16_t>(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3));
            bins[i] = bin;
            if (!count) continue;
            auto& h = hist_[bin];
            ++h.count;
            h.r += r;
            h.g += g;
            h.b += b;
        }
        return bins;
    }

    void append_header(const std::array<std::uint8_t, 768>& palette, std::vector<unsigned char>& g) const {
        auto u16 = [&g](unsigned v) {
            g.push_back(static_cast<unsigned char>(v & 0xff));
            g.push_back(static_cast<unsigned char>((v >> 8) & 0xff));
        };
        for (unsigned char ch : {'G', 'I', 'F', '8', '9', 'a'}) g.push_back(ch);
        u16(static_cast<unsigned>(width_));
        u16(static_cast<unsigned>(height_));
        g.push_back(0xF7);  // global colour table, 8 bits of colour resolution, 2^(7+1) entries
        g.push_back(0);     // background colour index
        g.push_back(0);     // square pixels
        g.insert(g.end(), palette.begin(), palette.end());
        // NETSCAPE2.0 application extension: loop forever.
        const unsigned char loop[] = {0x21, 0xFF, 0x0B, 'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0',
                                      0x03, 0x01, 0x00, 0x00, 0x00};
        g.insert(g.end(), loop, loop + sizeof loop);
    }

    void append_frame(const std::vector<std::uint16_t>& bins, int delay_cs, const std::vector<std::uint8_t>& bin_to_index,
                      std::vector<unsigned char>& g) const {
        auto u16 = [&g](unsigned v) {
            g.push_back(static_cast<unsigned char>(v & 0xff));
            g.push_back(static_cast<unsigned char>((v >> 8) & 0xff));
        };
        // Graphic control extension: no disposal, the frame's delay, no transparency.
        g.push_back(0x21);
        g.push_back(0xF9);
        g.push_back(0x04);
        g.push_back(0x04);
        u16(static_cast<unsigned>(delay_cs));
        g.push_back(0);
        g.push_back(0);
        // Image descriptor: the whole canvas, no local colour table, not interlaced.
        g.push_back(0x2C);
        u16(0);
        u16(0);
        u16(static_cast<unsigned>(width_));
        u16(static_cast<unsigned>(height_));
        g.push_back(0);
        std::vector<std::uint8_t> indices(bins.size());
        for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = bin_to_index[bins[i]];
        g.push_back(8);  // LZW minimum code size
        lzw(indices, g);
    }

    void make_palette(std::array<std::uint8_t, 768>& palette, std::vector<std::uint8_t>& bin_to_index) const {
        std::vector<std::uint32_t> used;
        for (std::uint32_t b = 0; b < hist_.size(); ++b)
            if (hist_[b].count) used.push_back(b);
        // Most frequent first; ties by bin number (deterministic).
        std::sort(used.begin(), used.end(), [&](std::uint32_t a, std::uint32_t b) {
            return hist_[a].count != hist_[b].count ? hist_[a].count > hist_[b].count : a < b;
        });
        const std::size_t entries = std::min<std::size_t>(used.size(), 256);
        std::array<std::array<int, 3>, 256> pal{};
        for (std::size_t e = 0; e < entries; ++e) {
            const Bin& h = hist_[used[e]];
            pal[e] = {static_cast<int>(h.r / h.count), static_cast<int>(h.g / h.count), static_cast<int>(h.b / h.count)};
        }
        for (std::size_t e = 0; e < 256; ++e)
            for (int c = 0; c < 3; ++c) palette[3 * e + static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(pal[e][static_cast<std::size_t>(c)]);
        for (std::uint32_t b : used) {
            const Bin& h = hist_[b];
            const int r = static_cast<int>(h.r / h.count), gg = static_cast<int>(h.g / h.count), bb = static_cast<int>(h.b / h.count);
            std::size_t best = 0;
            long best_d = -1;
            for (std::size_t e = 0; e < entries; ++e) {
                const long dr = r - pal[e][0], dg = gg - pal[e][1], db = bb - pal[e][2];
                const long d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;  // rough perceptual weights
                if (best_d < 0 || d < best_d) {
                    best_d = d;
                    best = e;
                }
            }
            bin_to_index[b] = static_cast<std::uint8_t>(best);
        }
    }

    /// LZW-compresses 8-bit indices into GIF data sub-blocks (then the block terminator).
    static void lzw(const std::vector<std::uint8_t>& in, std::vector<unsigned char>& g) {
        constexpr int clear = 256, eoi = 257;
        constexpr std::size_t hash_size = 8192;  // > 4096 codes: open addressing stays short
        std::vector<std::int32_t> keys(hash_size, -1);
        std::vector<std::int16_t> codes(hash_size, 0);
        std::vector<unsigned char> data;
        std::uint32_t bit_buffer = 0;
        int bit_count = 0, width = 9, next = eoi + 1;
        auto emit = [&](int code) {
            bit_buffer |= static_cast<std::uint32_t>(code) << bit_count;
            bit_count += width;
            while (bit_count >= 8) {
                data.push_back(static_cast<unsigned char>(bit_buffer & 0xff));
                bit_buffer >>= 8;
                bit_count -= 8;
            }
        };
        auto reset = [&] {
            std::fill(keys.begin(), keys.end(), -1);
            width = 9;
            next = eoi + 1;
        };
        emit(clear);
        if (!in.empty()) {
            int prefix = in[0];
            for (std::size_t i = 1; i < in.size(); ++i) {
                const int c = in[i];
                const std::int32_t key = (prefix << 8) | c;
                std::size_t h = (static_cast<std::size_t>(key) * 2654435761u) & (hash_size - 1);
                while (keys[h] != -1 && keys[h] != key) h = (h + 1) & (hash_size - 1);
                if (keys[h] == key) {
                    prefix = codes[h];
                    continue;
                }
                emit(prefix);
                if (next < 4096) {
                    keys[h] = key;
                    codes[h] = static_cast<std::int16_t>(next);
                    // The decoder widens its codes one step after the encoder adds code 2^width.
                    if (next == (1 << width) && width < 12) ++width;
                    ++next;
                } else {
                    emit(clear);
                    reset();
                }
                prefix = c;
            }
            emit(prefix);
        }
        emit(eoi);
        if (bit_count > 0) data.push_back(static_cast<unsigned char>(bit_buffer & 0xff));
        for (std::size_t pos = 0; pos < data.size(); pos += 255) {
            const std::size_t len = std::min<std::size_t>(255, data.size() - pos);
            g.push_back(static_cast<unsigned char>(len));
            g.insert(g.end(), data.begin() + static_cast<std::ptrdiff_t>(pos), data.begin() + static_cast<std::ptrdiff_t>(pos + len));
        }
        g.push_back(0);
    }

    int width_, height_;
    std::vector<Frame> frames_;
    std::vector<Bin> hist_ = std::vector<Bin>(1u << 15);
    std::size_t counted_ = 0, written_ = 0;  ///< streaming: frames counted, frames written
    std::optional<std::array<std::uint8_t, 768>> palette_;
    std::vector<std::uint8_t> bin_to_index_;
};

}  // namespace tsnex
