#pragma once
// Little helpers for the run-state file (Run::save / Run::load): fixed-width values and arrays in
// the host's byte order, with every read checked so a truncated or foreign file is a clear error.
#include <cstddef>
#include <cstdint>
#include <istream>
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
    if (n && !is.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(n * sizeof(V))))
        throw_with<invalid_argument>("run state: truncated while reading ", what, " (", n, " values)");
}

/// Fails unless a seekable stream still holds at least `bytes` bytes (so a corrupt size field
/// cannot make the reader allocate gigabytes before the short read is noticed). Streams that
/// cannot seek are not checked; their short reads still fail in read_array.
inline void require_bytes(std::istream& is, std::uint64_t bytes, const char* what) {
    const auto here = is.tellg();
    if (here < 0) return;
    is.seekg(0, std::ios::end);
    const auto end = is.tellg();
    is.seekg(here);
    if (end >= here && static_cast<std::uint64_t>(end - here) < bytes)
        throw_with<invalid_argument>("run state: truncated: ", what, " needs ", bytes, " bytes, ",
                                     static_cast<std::uint64_t>(end - here), " left");
}

/// A 4-character section tag, checked on reading.
inline void write_tag(std::ostream& os, const char (&tag)[5]) { os.write(tag, 4); }
inline void read_tag(std::istream& is, const char (&tag)[5]) {
    char got[4] = {};
    if (!is.read(got, 4)) throw_with<invalid_argument>("run state: truncated before section ", tag);
    if (std::string(got, 4) != std::string(tag, 4))
        throw_with<invalid_argument>("run state: expected section ", tag, ", found '", std::string(got, 4), "'");
}

/// True when a policy state can write and read its persistent part (Run::save / Run::load).
template <class S, class = void>
struct has_state_io : std::false_type {};
template <class S>
struct has_state_io<S, std::void_t<decltype(std::declval<const S&>().save(std::declval<std::ostream&>())),
                                   decltype(std::declval<S&>().load(std::declval<std::istream&>()))>>
    : std::true_type {};

/// True when a repulsion state takes the t kernel's degrees of freedom (set_dof).
template <class S, class = void>
struct has_set_dof : std::false_type {};
template <class S>
struct has_set_dof<S, std::void_t<decltype(std::declval<S&>().set_dof(1.0))>> : std::true_type {};

/// True when an optimizer state can renumber its points (permute(const std::uint32_t* order)).
template <class S, class = void>
struct has_permute : std::false_type {};
template <class S>
struct has_permute<S, std::void_t<decltype(std::declval<S&>().permute(std::declval<const std::uint32_t*>()))>>
    : std::true_type {};

}  // namespace detail
}  // namespace tsne
