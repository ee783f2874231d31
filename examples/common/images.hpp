#pragma once
// The images of an image map (issue 21), shared by the PNG image map (plot.hpp) and the
// interactive page (page.hpp): one picture per embedded point, kept as 8-bit pixels.
//
//   tsnex::ImageSet im = ...;                // filled by the CLI from IDX, input rows or --image-data
//   const std::uint8_t* px = im.image(i);    // height x width x channels bytes, row-major, channel last
//
// channels is 1 (grey, 0 = black, 255 = white) or 3 (RGB). Float pixels in [0, 1] are stored as
// round(255 v). Not part of the library.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tsnex {

struct ImageSet {
    std::size_t count = 0;               ///< number of images (one per point)
    int height = 0, width = 0, channels = 0;
    std::vector<std::uint8_t> pixels;    ///< count * height * width * channels bytes

    std::size_t image_bytes() const {
        return static_cast<std::size_t>(height) * static_cast<std::size_t>(width) * static_cast<std::size_t>(channels);
    }
    const std::uint8_t* image(std::size_t i) const { return pixels.data() + i * image_bytes(); }
    bool empty() const { return count == 0; }
};

}  // namespace tsnex
