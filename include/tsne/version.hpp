#pragma once
// Library version; CMakeLists.txt parses these three lines.
#define TSNE_VERSION_MAJOR 0
#define TSNE_VERSION_MINOR 1
#define TSNE_VERSION_PATCH 0

namespace tsne {
/// "MAJOR.MINOR.PATCH" of the headers in use.
inline constexpr const char* version_string = "0.1.0";
}  // namespace tsne
