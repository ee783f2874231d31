#pragma once
// Little helpers for the run-state file (Run::save / Run::load): fixed-width values and arrays in
// the host's byte order, with every read checked so a truncated or foreign file is a clear error.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <istream>
#include <limits>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../error.hpp"

namespace tsne {
namespace detail {

template <class V>
void write_pod(std::ostream& os, const V& v) {
    static_assert(std::is_trivially_copyable_v<V>, "write_pod needs a trivially copyable type");
    os.write(reinterpret_cast<const char*>(&v), static_cast<std::streamsize>(sizeof(V)));
}

template <class V>
V read_pod(std::istream& is, const char* what) {
    static_assert(std::is_trivially_copyable_v<V>, "read_pod needs a trivially copyable type");
    V v{};
    if (!is.read(reinterpret_cast<char*>(&v), static_cast<std::streamsize>(sizeof(V))))
        throw_with<invalid_argument>("run state: truncated while reading ", what);
    return v;
}

template <class V>
void write_array(std::ostream& os, const V* data, std::size_t n) {
    if (n) os.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(V)));
}

/// Reads n values into data; fails on a short read.
template <class V>
void read_array(std::istream& is, V* data, std::size_t n, const char* what) {
    if (n > static_cast<std::size_t>(std::numeric_limits<std::streamsize>::max()) / sizeof(V))
        throw_with<invalid_argument>("run state: ", what, ": ", n, " values is more than a stream can hold");
    if (n && !is.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(n * sizeof(V))))
        throw_with<invalid_argument>("run state: truncated while reading ", what, " (", n, " values)");
}

/// Checked size arithmetic for values read from a file: a * b and a + b, or an error naming
/// `what` (a corrupt size field must not wrap around to a small, plausible byte count).
inline std::uint64_t file_mul(std::uint64_t a, std::uint64_t b, const char* what) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a)
        throw_with<invalid_argument>("run state: truncated or corrupt: ", what, ": size ", a, " x ", b,
                                     " overflows (more bytes than any file holds)");
    return a * b;
}
inline std::uint64_t file_add(std::uint64_t a, std::uint64_t b, const char* what) {
    if (b > std::numeric_limits<std::uint64_t>::max() - a)
        throw_with<invalid_argument>("run state: truncated or corrupt: ", what, ": size ", a, " + ", b,
                                     " overflows (more bytes than any file holds)");
    return a + b;
}

/// Bytes a seekable stream still holds from the read position, or -1 when it cannot tell.
inline std::int64_t bytes_left(std::istream& is) {
    if (!is) return -1;
    const auto here = is.tellg();
    if (here < 0) return -1;
    is.seekg(0, std::ios::end);
    const auto end = is.tellg();
    is.clear();
    is.seekg(here);
    if (end < 0 || !is) {
        is.clear();
        is.seekg(here);
        return -1;
    }
    return end >= here ? static_cast<std::int64_t>(end - here) : 0;
}

/// Fails unless a seekable stream still holds at least `bytes` bytes (so a corrupt size field
/// cannot make the reader allocate gigabytes before the short read is noticed). Streams that
/// cannot seek are not checked here; read_vector below never allocates more than the bytes that
/// actually arrived (plus one chunk), so a lying size field still costs no memory there.
inline void require_bytes(std::istream& is, std::uint64_t bytes, const char* what) {
    const std::int64_t left = bytes_left(is);
    if (left >= 0 && static_cast<std::uint64_t>(left) < bytes)
        throw_with<invalid_argument>("run state: truncated: ", what, " needs ", bytes, " bytes, ",
                                     static_cast<std::uint64_t>(left), " left");
}

/// Reads n values (a count taken from the file) into a new vector. The vector grows in chunks of
/// at most 1 MiB as the data arrives, so a size field larger than the stream fails as truncated
/// after at most one chunk more than the stream held, also on a pipe.
template <class V>
std::vector<V> read_vector(std::istream& is, std::uint64_t n, const char* what) {
    (void)file_mul(n, sizeof(V), what);
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(V) / 2)
        throw_with<invalid_argument>("run state: ", what, ": ", n, " values is more than this machine can hold");
    const std::size_t total = static_cast<std::size_t>(n);
    std::vector<V> out;
    const std::size_t chunk = (std::size_t{1} << 20) / sizeof(V);
    const std::int64_t left = bytes_left(is);
    if (left >= 0 && static_cast<std::uint64_t>(left) / sizeof(V) < n)
        throw_with<invalid_argument>("run state: truncated: ", what, " needs ", n * sizeof(V), " bytes, ", left, " left");
    if (left >= 0) {  // the stream holds them all: one allocation
        out.resize(total);
        read_array(is, out.data(), total, what);
        return out;
    }
    while (out.size() < total) {
        const std::size_t have = out.size(), take = std::min(chunk, total - have);
        out.resize(have + take);
        if (!is.read(reinterpret_cast<char*>(out.data() + have), static_cast<std::streamsize>(take * sizeof(V))))
            throw_with<invalid_argument>("run state: truncated while reading ", what, " (", n, " values)");
    }
    return out;
}

/// A 4-character section tag, checked on reading.
inline void write_tag(std::ostream& os, const char (&tag)[5]) { os.write(tag, 4); }
inline void read_tag(std::istream& is, const char (&tag)[5]) {
    char got[4] = {};
    if (!is.read(got, 4)) throw_with<invalid_argument>("run state: truncated before section ", tag);
    if (std::string(got, 4) != std::string(tag, 4))
        throw_with<invalid_argument>("run state: expected section ", tag, ", found '", std::string(got, 4), "'");
}

}  // namespace detail
}  // namespace tsne
