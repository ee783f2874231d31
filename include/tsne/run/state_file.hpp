#pragma once
// The run-state file's fixed header (Run::save / Run::load; the whole format is documented in
// docs/parameters.md, "Run state files"), and a public way to read it: a program that must pick
// the Run type (float or double, Dims) before loading reads the header first, then continues
// with Run<T, Dims>::load(is, header, ...), never re-parsing signature, version or byte order.
//
//   std::ifstream is(path, std::ios::binary);
//   const tsne::StateHeader h = tsne::read_state_header(is);    // checked; is is past the header
//   if (h.value_size == 4 && h.dims == 2) auto run = tsne::Run<float, 2>::load(is, h);
//
// Layout (host byte order): "TSNERUN\0", u32 version, u32 byte-order mark 0x01020304, u32 value
// size, u32 dims, u64 points, i32 iteration, i32 kl_every, f64 dof, then (version >= 2) i32
// reorder; the sections that follow (ORDR, PCSR, EMBD, the optimizer's, REPL, END.) are read by
// Run::load.
#include <cstdint>
#include <istream>
#include <ostream>

#include "../detail/binary_io.hpp"
#include "../detail/validate.hpp"

namespace tsne {

/// What a run-state file's header says about the run it holds.
struct StateHeader {
    std::uint32_t version = 0;     ///< format version: 1, or 2 (adds reorder and the point order)
    std::uint32_t value_size = 0;  ///< bytes per value: 4 (float) or 8 (double)
    std::uint32_t dims = 0;        ///< Dims of the embedding (>= 1)
    std::uint64_t n = 0;           ///< points (>= 2)
    int iteration = 0;             ///< iterations completed (>= 0)
    int kl_every = 0;              ///< Run's KL period (>= 0)
    double dof = 1;                ///< degrees of freedom α of the t kernel (checked when loaded)
    int reorder = 0;               ///< renumbering period (Run::set_reorder); 0 in version 1 files
};

namespace detail {
inline constexpr char state_magic[8] = {'T', 'S', 'N', 'E', 'R', 'U', 'N', '\0'};
inline constexpr std::uint32_t state_version = 2;  ///< written; 1 and 2 are read
inline constexpr std::uint32_t state_byte_order = 0x01020304u;

/// The header's own rules (read_state_header and Run::load, which may be given a header the caller
/// built): a version read here, value size 4 or 8, Dims >= 1, 2 to max_points points, no negative
/// count.
inline void check_state_header(const StateHeader& h) {
    if (h.version != 1 && h.version != state_version)
        fail("run state: format version ", h.version, ", this library reads 1 to ", state_version);
    if ((h.value_size != 4 && h.value_size != 8) || h.dims < 1)
        fail("run state: bad header (value size ", h.value_size, ", dimensions ", h.dims, ")");
    if (h.n < 2 || h.n > max_points || h.iteration < 0 || h.kl_every < 0)
        fail("run state: bad header (points ", h.n, ", iteration ", h.iteration, ", kl_every ", h.kl_every, ")");
    if (h.reorder < 0 || (h.version < 2 && h.reorder != 0)) fail("run state: bad reorder ", h.reorder);
}

inline void write_state_header(std::ostream& os, const StateHeader& h) {
    write_array(os, state_magic, 8);
    for (std::uint32_t v : {h.version, state_byte_order, h.value_size, h.dims}) write_pod(os, v);
    write_pod(os, h.n);
    write_pod(os, static_cast<std::int32_t>(h.iteration));
    write_pod(os, static_cast<std::int32_t>(h.kl_every));
    write_pod(os, h.dof);
    write_pod(os, static_cast<std::int32_t>(h.reorder));
}
}  // namespace detail

/// Reads and checks the header of a run-state file, leaving `is` just after it (where
/// Run<T, Dims>::load(is, header, ...) continues). Throws tsne::invalid_argument naming what is
/// wrong: a truncated header, a foreign file (signature), a format version this library does not
/// read, another machine's byte order, a value size other than 4 or 8, Dims 0, fewer than 2 or
/// more than detail::max_points points, a negative iteration, kl_every or reorder.
inline StateHeader read_state_header(std::istream& is) {
    char magic[8];
    detail::read_array(is, magic, 8, "the file signature");
    for (int i = 0; i < 8; ++i)
        if (magic[i] != detail::state_magic[i]) detail::fail("run state: not a tsne run-state file");
    StateHeader h;
    h.version = detail::read_pod<std::uint32_t>(is, "the format version");
    if (h.version != 1 && h.version != detail::state_version)
        detail::fail("run state: format version ", h.version, ", this library reads 1 to ", detail::state_version);
    if (detail::read_pod<std::uint32_t>(is, "the byte-order mark") != detail::state_byte_order)
        detail::fail("run state: written on a machine with another byte order");
    h.value_size = detail::read_pod<std::uint32_t>(is, "the value size");
    h.dims = detail::read_pod<std::uint32_t>(is, "the dimensions");
    if ((h.value_size != 4 && h.value_size != 8) || h.dims < 1)
        detail::fail("run state: bad header (value size ", h.value_size, ", dimensions ", h.dims, ")");
    h.n = detail::read_pod<std::uint64_t>(is, "the number of points");
    h.iteration = detail::read_pod<std::int32_t>(is, "the iteration");
    h.kl_every = detail::read_pod<std::int32_t>(is, "kl_every");
    h.dof = detail::read_pod<double>(is, "dof");
    if (h.version >= 2)  // version 1 files predate the renumbering: never renumbered
        h.reorder = detail::read_pod<std::int32_t>(is, "reorder");
    detail::check_state_header(h);
    return h;
}

}  // namespace tsne
