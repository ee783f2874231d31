#pragma once
// File input/output for the examples and the tsne command-line program (not part of the library).
//
//   tsnex::Matrix m = tsnex::read_matrix("points.npy");       // .npy, IDX (.gz too) or CSV
//   auto X = tsnex::read_csv<float>("points.csv");             // numeric CSV, optional header row
//   auto X = tsnex::read_npy<double>("points.npy");            // '<f4', '<f8' or '|u1', C order, 2-D
//   auto m = tsnex::map_npy("points.npy");                     // '<f4'/'<f8' viewed in place (mmap)
//   auto X = tsnex::read_idx("train-images-idx3-ubyte.gz");    // IDX (MNIST format), N x (d1*d2*...)
//   auto X = tsnex::read_raw_f32("points.f32", n, d);          // headerless little-endian float32
//   std::vector<int> labels = tsnex::read_labels("labels.txt"); // text, .npy or IDX
//   tsnex::write_matrix(out, Y);                               // CSV, or .npy by extension
//   auto D = tsnex::read_distances("d.npy");                   // N x N, CSV or .npy, as float
//   auto G = tsnex::read_knn_graph("g.csv");                   // N x 2k: k indices, k distances
//   auto P = tsnex::read_affinities("p.csv");                  // rows i,j,value (0-based COO)
//   tsnex::write_csv("embedding.csv", Y);                      // temp file + rename
//
// Every reader throws tsnex::io_error (a std::runtime_error) whose message names the file and,
// where it applies, the line and column, e.g. "x.csv: line 3, column 2: not a number: 'abc'".
// Readers never trust a file: sizes are checked against the file's length before allocating,
// every value must be finite, and malformed input of any kind is an error, never undefined
// behaviour.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <tsne/tsne.hpp>

#if TSNE_HAVE_ZLIB
#include <zlib.h>
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define TSNEX_HAVE_MMAP 1
#else
#define TSNEX_HAVE_MMAP 0
#endif

namespace tsnex {

/// A file could not be read or written; the message names the file (and line/column if any).
class io_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A data set as read from a file: float32 or float64, one point per row.
using Matrix = std::variant<tsne::RowMatrix<float>, tsne::RowMatrix<double>>;

namespace detail {

template <class... Parts>
[[noreturn]] inline void fail(const std::string& path, Parts&&... parts) {
    std::ostringstream s;
    s << path << ": ";
    (s << ... << std::forward<Parts>(parts));
    throw io_error(s.str());
}

/// Quotes a cell for an error message: printable ASCII kept, the rest escaped, long cells cut.
inline std::string quote(std::string_view cell) {
    std::string out = "'";
    const std::size_t max_len = 40;
    for (std::size_t i = 0; i < cell.size() && i < max_len; ++i) {
        const auto c = static_cast<unsigned char>(cell[i]);
        if (c >= 0x20 && c < 0x7f && c != '\'') {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    if (cell.size() > max_len) out += "...";
    return out + "'";
}

inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

inline std::string lower_extension(const std::string& path) {
    const auto slash = path.find_last_of("/\\");
    const auto dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
    std::string ext = path.substr(dot);
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

/// Parses one numeric cell; on failure returns a reason ("" on success).
inline std::string parse_double(std::string_view cell, double& out) {
    if (cell.empty()) return "empty cell";
    std::string_view s = cell;
    if (s.front() == '+') s.remove_prefix(1);  // from_chars rejects a leading '+'
    if (s.empty() || s.front() == '+') return "not a number: " + quote(cell);
    const char* first = s.data();
    const char* last = s.data() + s.size();
    const auto r = std::from_chars(first, last, out, std::chars_format::general);
    if (r.ec == std::errc::result_out_of_range) return "number out of range: " + quote(cell);
    if (r.ec != std::errc() || r.ptr != last) return "not a number: " + quote(cell);
    if (!std::isfinite(out)) return "non-finite value " + quote(cell) + " (NaN and infinity are not allowed)";
    return {};
}

/// The separator of a text line's values: ',' when it has a comma, else '\t' when it has a tab,
/// else ';' when it has a semicolon, else ' ' (runs of spaces and tabs).
inline char guess_delimiter(std::string_view line) {
    if (line.find(',') != std::string_view::npos) return ',';
    if (line.find('\t') != std::string_view::npos) return '\t';
    if (line.find(';') != std::string_view::npos) return ';';
    return ' ';
}

inline const char* delimiter_name(char d) {
    switch (d) {
        case ',': return "commas";
        case '\t': return "tabs";
        case ';': return "semicolons";
        default: return "spaces";
    }
}

/// Calls f(cell) for each cell of a trimmed line whose values are separated by d (' ': runs of
/// spaces and tabs; otherwise one character, spaces around a cell trimmed); stops when f
/// returns false.
template <class F>
void split_cells(std::string_view line, char d, F&& f) {
    if (d == ' ') {
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && is_blank(line[i])) ++i;
            if (i == line.size()) return;
            std::size_t j = i;
            while (j < line.size() && !is_blank(line[j])) ++j;
            if (!f(line.substr(i, j - i))) return;
            i = j;
        }
        return;
    }
    std::size_t start = 0;
    while (true) {
        const std::size_t k = line.find(d, start);
        if (!f(trim(line.substr(start, k == std::string_view::npos ? std::string_view::npos : k - start)))) return;
        if (k == std::string_view::npos) return;
        start = k + 1;
    }
}

inline std::size_t count_cells(std::string_view line, char d) {
    std::size_t n = 0;
    split_cells(line, d, [&](std::string_view) { return ++n, true; });
    return n;
}

/// True when no cell of a text line parses as a number: the line is a header ("x,y,label",
/// "x<TAB>y", "x y").
inline bool is_header_line(std::string_view line) {
    bool header = true;
    split_cells(trim(line), guess_delimiter(trim(line)), [&](std::string_view cell) {
        double v = 0;
        if (!cell.empty() && parse_double(cell, v).rfind("not a number", 0) != 0) header = false;
        return header;
    });
    return header;
}

/// Values appended one by one in blocks, then copied once into their matrix: no reallocation
/// copies, so reading holds at most the values twice (the blocks and the matrix).
template <class T>
class Chunked {
public:
    void push_back(T v) {
        if (parts_.empty() || parts_.back().size() == block) {
            parts_.emplace_back();
            parts_.back().reserve(block);
        }
        parts_.back().push_back(v);
    }
    void copy_to(T* dst) const {
        for (const auto& p : parts_) dst = std::copy(p.begin(), p.end(), dst);
    }

private:
    static constexpr std::size_t block = std::size_t(1) << 16;
    std::vector<std::vector<T>> parts_;
};

/// Opens `path` for binary reading or throws an io_error naming it.
inline std::ifstream open_in(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not a file");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot open for reading: ", errno ? std::strerror(errno) : "unknown error");
    return in;
}

/// Length of an open stream in bytes (the stream is left at the start).
inline std::uint64_t stream_size(std::ifstream& in, const std::string& path) {
    in.seekg(0, std::ios::end);
    const std::streamoff end = in.tellg();
    in.seekg(0, std::ios::beg);
    if (end < 0 || !in) fail(path, "cannot determine the file size (not a regular file?)");
    return static_cast<std::uint64_t>(end);
}

/// The longest line the text readers accept: a longer one (e.g. /dev/zero, or a binary file
/// without newlines read as text) is an error after reading at most this much, never a buffer
/// that grows with the input. 16 MiB holds a million-column distance-matrix row.
#ifndef TSNEX_MAX_LINE_BYTES
#define TSNEX_MAX_LINE_BYTES (std::size_t(1) << 24)  // the fuzzer sets a small one to reach the limit
#endif
inline constexpr std::size_t max_line_bytes = TSNEX_MAX_LINE_BYTES;

/// One input file, opened once and read front to back exactly once: a regular file, or a pipe,
/// a FIFO, /dev/stdin or a process substitution (/dev/fd/N), which cannot be reopened or rewound.
/// The readers sniff the format from peek(), a prefix held in this object's own buffer, and then
/// parse the same bytes, so nothing is read twice and nothing is lost. It is also the stream
/// buffer of stream() (seekable for regular files only).
class Source : private std::streambuf {
public:
    explicit Source(std::string path) : path_(std::move(path)), in_(this) {
        std::error_code ec;
        if (std::filesystem::is_directory(path_, ec)) fail(path_, "is a directory, not a file");
        errno = 0;
        f_ = std::fopen(path_.c_str(), "rb");
        if (!f_) fail(path_, "cannot open for reading: ", errno ? std::strerror(errno) : "unknown error");
        std::setvbuf(f_, nullptr, _IONBF, 0);  // buffered here: peek() needs the bytes in hand
#if TSNEX_HAVE_MMAP
        struct stat st {};
        if (::fstat(::fileno(f_), &st) == 0 && S_ISREG(st.st_mode)) {
            regular_ = true;
            size_ = static_cast<std::uint64_t>(st.st_size);
        }
#else
        if (std::fseek(f_, 0, SEEK_END) == 0) {
            const long end = std::ftell(f_);
            if (end >= 0 && std::fseek(f_, 0, SEEK_SET) == 0) {
                regular_ = true;
                size_ = static_cast<std::uint64_t>(end);
            }
        }
        std::clearerr(f_);
#endif
        buf_.resize(std::size_t(1) << 16);
        setg(buf_.data(), buf_.data(), buf_.data());
    }
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;
    ~Source() override {
        if (f_) std::fclose(f_);
    }

    const std::string& path() const noexcept { return path_; }
    /// The file's length for a regular file; nothing for a pipe, FIFO or device.
    std::optional<std::uint64_t> size() const {
        return regular_ ? std::optional<std::uint64_t>(size_) : std::nullopt;
    }
    /// The input as a binary std::istream over this buffer.
    std::istream& stream() noexcept { return in_; }

    /// Up to n bytes from the current position (fewer only at the end of the input), not consumed.
    std::string_view peek(std::size_t n) {
        fill(n);
        return std::string_view(gptr(), std::min<std::size_t>(n, static_cast<std::size_t>(egptr() - gptr())));
    }

    /// Reads up to n bytes; returns how many (fewer only at the end of the input).
    std::size_t read(void* dst, std::size_t n) {
        const auto got = static_cast<std::size_t>(xsgetn(static_cast<char*>(dst), static_cast<std::streamsize>(n)));
        check();
        return got;
    }

    /// True when no byte is left.
    bool at_end() { return peek(1).empty(); }

    /// Reads the next line (without its '\n') into `line`; false at the end of the input. A line
    /// longer than max_line_bytes is an error naming `line_no`, the number of the line being read.
    bool getline(std::string& line, std::size_t line_no) {
        line.clear();
        bool any = false;
        while (true) {
            if (gptr() == egptr() && !refill()) {
                check();
                return any;
            }
            char* const g = gptr();
            char* const e = egptr();
            char* const nl = static_cast<char*>(std::memchr(g, '\n', static_cast<std::size_t>(e - g)));
            const auto take = static_cast<std::size_t>((nl ? nl : e) - g);
            if (line.size() + take > max_line_bytes)
                fail(path_, "line ", line_no, " is longer than ", max_line_bytes, " bytes (",
                     max_line_bytes >> 20, " MiB), the limit for a line of text: not a text table?");
            line.append(g, take);
            any = true;
            setg(eback(), nl ? nl + 1 : e, e);
            if (nl) return true;
        }
    }

    /// Fails with the system's reason if reading failed (not at the normal end of the input).
    void check() const {
        if (error_) fail(path_, "read error: ", std::strerror(error_));
    }

private:
    /// Reads more into the buffer after the unread bytes; false at the end of the input.
    bool refill() {
        if (eof_) return false;
        const auto unread = static_cast<std::size_t>(egptr() - gptr());
        if (gptr() != buf_.data() && unread) std::memmove(buf_.data(), gptr(), unread);
        if (unread == buf_.size()) buf_.resize(buf_.size() * 2);
        const std::size_t got = std::fread(buf_.data() + unread, 1, buf_.size() - unread, f_);
        if (got == 0) {
            if (std::ferror(f_)) error_ = errno ? errno : EIO;
            eof_ = true;
        }
        pos_ += got;
        setg(buf_.data(), buf_.data(), buf_.data() + unread + got);
        return got > 0;
    }
    void fill(std::size_t n) {
        while (static_cast<std::size_t>(egptr() - gptr()) < n && refill()) {
        }
    }

    int_type underflow() override {
        if (gptr() == egptr() && !refill()) return traits_type::eof();
        return traits_type::to_int_type(*gptr());
    }
    std::streamsize xsgetn(char* s, std::streamsize n) override {
        std::streamsize done = 0;
        while (done < n) {
            if (gptr() == egptr()) {
                const auto want = static_cast<std::size_t>(n - done);
                if (want >= buf_.size() && !eof_) {  // large reads go straight to the destination
                    const std::size_t got = std::fread(s + done, 1, want, f_);
                    pos_ += got;
                    done += static_cast<std::streamsize>(got);
                    if (got < want) {
                        if (std::ferror(f_)) error_ = errno ? errno : EIO;
                        eof_ = true;
                        if (got == 0) break;
                    }
                    continue;
                }
                if (!refill()) break;
            }
            const auto k = std::min<std::streamsize>(n - done, egptr() - gptr());
            std::memcpy(s + done, gptr(), static_cast<std::size_t>(k));
            setg(eback(), gptr() + k, egptr());
            done += k;
        }
        return done;
    }
    pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode) override {
        const auto here = static_cast<off_type>(pos_) - static_cast<off_type>(egptr() - gptr());
        if (dir == std::ios_base::cur && off == 0) return regular_ ? pos_type(here) : pos_type(off_type(-1));
        if (!regular_) return pos_type(off_type(-1));
        const off_type base = dir == std::ios_base::beg ? 0 : dir == std::ios_base::cur ? here : static_cast<off_type>(size_);
        return seekpos(pos_type(base + off), std::ios_base::in);
    }
    pos_type seekpos(pos_type p, std::ios_base::openmode) override {
        const auto target = static_cast<off_type>(p);
        if (!regular_ || target < 0 || std::fseek(f_, static_cast<long>(target), SEEK_SET) != 0)
            return pos_type(off_type(-1));
        pos_ = static_cast<std::uint64_t>(target);
        eof_ = false;
        std::clearerr(f_);
        setg(buf_.data(), buf_.data(), buf_.data());
        return p;
    }

    std::string path_;
    std::istream in_;
    std::FILE* f_ = nullptr;
    std::vector<char> buf_;
    std::uint64_t pos_ = 0;   ///< bytes read from the file so far (the end of the buffer's data)
    std::uint64_t size_ = 0;  ///< of a regular file
    bool regular_ = false, eof_ = false;
    int error_ = 0;
};

/// What a file's first bytes say it is.
enum class Format { text, npy, idx, gzip };

inline Format sniff(Source& s) {
    const std::string_view p = s.peek(6);
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(p[i]); };
    if (p.size() >= 6 && p.substr(0, 6) == std::string_view("\x93NUMPY", 6)) return Format::npy;
    if (p.size() >= 2 && b(0) == 0x1f && b(1) == 0x8b) return Format::gzip;
    if (p.size() >= 4 && b(0) == 0 && b(1) == 0 &&
        (b(2) == 0x08 || b(2) == 0x09 || b(2) == 0x0B || b(2) == 0x0C || b(2) == 0x0D || b(2) == 0x0E) && b(3) >= 1 &&
        b(3) <= 4)
        return Format::idx;
    return Format::text;
}

/// Bytes read in blocks of at most 16 MiB, so a header that lies about a stream's length costs
/// only the bytes actually present (a regular file's length is checked before reading instead).
struct Blocks {
    std::vector<std::vector<unsigned char>> parts;
    std::uint64_t size = 0;
    bool more = false;  ///< the input continues after the bytes asked for

    void copy_to(void* dst) const {
        auto* d = static_cast<unsigned char*>(dst);
        for (const auto& p : parts) {
            if (!p.empty()) std::memcpy(d, p.data(), p.size());
            d += p.size();
        }
    }
};

/// Reads `need` bytes (fewer if the input ends first) and notes whether more follow.
inline Blocks read_blocks(Source& s, std::uint64_t need) {
    Blocks b;
    while (b.size < need) {
        const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(need - b.size, std::uint64_t(1) << 24));
        std::vector<unsigned char> part(chunk);
        const std::size_t got = s.read(part.data(), chunk);
        part.resize(got);
        b.size += got;
        if (got) b.parts.push_back(std::move(part));
        if (got < chunk) return b;
    }
    b.more = !s.at_end();
    return b;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/// Reads a numeric text table: one point per line, values separated by commas (CSV), tabs (TSV),
/// semicolons or runs of spaces, whichever the first data line uses (the order of preference);
/// every line must use the same. Spaces around values and CRLF line ends are accepted; blank
/// lines only at the end of the file. The first line is a header (and skipped) when none of its
/// cells is a number (e.g. "x,y,z"); it must have as many cells as the rows. Every row must have
/// as many values as the first; every value must be a finite number that fits in T. A line may
/// be at most detail::max_line_bytes long. Reads `src` once, front to back (a pipe works).
template <class T>
tsne::RowMatrix<T> read_csv(detail::Source& src) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "read_csv<T>: T is float or double");
    const std::string& path = src.path();
    detail::Chunked<T> values;
    std::size_t cols = 0, rows = 0, line_no = 0, blank_line = 0, header_line = 0, delim_line = 0;
    char delim = 0;
    std::string line, header;
    while (src.getline(line, line_no + 1)) {
        ++line_no;
        std::string_view sv(line);
        if (line_no == 1 && sv.size() >= 3 && sv.substr(0, 3) == "\xEF\xBB\xBF") sv.remove_prefix(3);  // BOM
        sv = detail::trim(sv);
        if (sv.empty()) {
            if (blank_line == 0) blank_line = line_no;
            continue;
        }
        if (rows == 0 && header_line == 0 && detail::is_header_line(sv)) {
            header_line = line_no;
            header.assign(sv);
            continue;
        }
        if (blank_line != 0)
            detail::fail(path, "line ", blank_line, ": empty line between data rows");
        const char g = detail::guess_delimiter(sv);
        if (delim == 0) {
            delim = g;
            delim_line = line_no;
        } else if (g != delim) {
            const bool mixed = delim == ' ' ? (g == ',' || g == ';')
                                            : g == ',' || (sv.find(delim) == std::string_view::npos &&
                                                           detail::count_cells(sv, g) > 1);
            if (mixed)
                detail::fail(path, "line ", line_no, ": values separated by ", detail::delimiter_name(g), ", but line ",
                             delim_line, " separates them by ", detail::delimiter_name(delim),
                             " (one kind of delimiter per file: commas, tabs, semicolons or spaces)");
        }
        std::size_t col = 0;
        detail::split_cells(sv, delim, [&](std::string_view cell) {
            ++col;
            if (rows > 0 && col > cols)
                detail::fail(path, "line ", line_no, ": has more than ", cols, " values (the first row has ", cols,
                             ")");
            double v = 0;
            const std::string why = detail::parse_double(cell, v);
            if (!why.empty()) {
                const bool first = rows == 0 && why.rfind("not a number", 0) == 0;
                const char* hint =
                    !first ? ""
                    : cell.size() == sv.size()
                        ? " (values are separated by commas, tabs, semicolons or spaces)"
                    : header_line == 0 ? " (a header row is recognised only when none of its cells is a number)"
                                       : "";
                detail::fail(path, "line ", line_no, ", column ", col, ": ", why, hint);
            }
            if (std::is_same_v<T, float> && std::abs(v) > static_cast<double>(std::numeric_limits<float>::max()))
                detail::fail(path, "line ", line_no, ", column ", col, ": value ", detail::quote(cell),
                             " is out of range for 32-bit float");
            values.push_back(static_cast<T>(v));
            return true;
        });
        if (rows == 0) {
            cols = col;
            if (header_line != 0) {
                std::size_t header_cells = detail::count_cells(header, delim);
                if (header_cells != cols) {  // e.g. "x y z" over tab-separated rows
                    const std::size_t own = detail::count_cells(header, detail::guess_delimiter(header));
                    if (own == cols) header_cells = own;
                }
                if (header_cells != cols)
                    detail::fail(path, "line ", header_line, ": the header has ", header_cells, " names but line ",
                                 line_no, " has ", cols, " values");
            }
        } else if (col != cols)
            detail::fail(path, "line ", line_no, ": has ", col, " value", col == 1 ? "" : "s", ", expected ", cols,
                         " like the first row");
        ++rows;
    }
    if (rows == 0) detail::fail(path, header_line ? "no data: the file has only a header line" : "no data: the file is empty");
    if (rows > static_cast<std::size_t>(std::numeric_limits<Eigen::Index>::max()) / cols)
        detail::fail(path, "too many values");
    tsne::RowMatrix<T> X(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    values.copy_to(X.data());
    return X;
}

/// Reads a numeric text table from a file (see read_csv(detail::Source&)).
template <class T>
tsne::RowMatrix<T> read_csv(const std::string& path) {
    detail::Source src(path);
    return read_csv<T>(src);
}

// ---------------------------------------------------------------------------------------------
// NPY
// ---------------------------------------------------------------------------------------------

/// What an .npy header says.
struct NpyHeader {
    std::string descr;                 ///< dtype string, e.g. "<f4"
    bool fortran_order = false;
    std::vector<std::uint64_t> shape;
    std::uint64_t data_offset = 0;     ///< bytes before the array data
};

namespace detail {

/// A tiny parser for the Python dict literal of an .npy header: string keys; values that are
/// strings, True/False or tuples of non-negative integers.
class NpyDictParser {
public:
    NpyDictParser(std::string_view text, const std::string& path) : s_(text), path_(path) {}

    NpyHeader parse() {
        NpyHeader h;
        bool has_descr = false, has_order = false, has_shape = false;
        skip_ws();
        expect('{');
        skip_ws();
        while (peek() != '}') {
            const std::string key = parse_string();
            skip_ws();
            expect(':');
            skip_ws();
            if (key == "descr") {
                h.descr = parse_string();
                has_descr = true;
            } else if (key == "fortran_order") {
                h.fortran_order = parse_bool();
                has_order = true;
            } else if (key == "shape") {
                h.shape = parse_tuple();
                has_shape = true;
            } else {
                bad("unexpected key " + quote(key));
            }
            skip_ws();
            if (peek() == ',') {
                ++pos_;
                skip_ws();
            } else if (peek() != '}') {
                bad("expected ',' or '}'");
            }
        }
        ++pos_;
        if (!has_descr || !has_order || !has_shape)
            fail(path_, "invalid .npy header: it must have the keys 'descr', 'fortran_order' and 'shape'");
        return h;
    }

private:
    [[noreturn]] void bad(const std::string& what) const {
        fail(path_, "invalid .npy header at byte ", pos_, " of the header dict: ", what);
    }
    char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
    void skip_ws() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }
    void expect(char c) {
        if (peek() != c) bad(std::string("expected '") + c + "'");
        ++pos_;
    }
    std::string parse_string() {
        const char q = peek();
        if (q != '\'' && q != '"') bad("expected a quoted string");
        ++pos_;
        const std::size_t begin = pos_;
        while (pos_ < s_.size() && s_[pos_] != q) {
            if (s_[pos_] == '\\') bad("escapes in strings are not supported");
            ++pos_;
        }
        if (pos_ >= s_.size()) bad("unterminated string");
        std::string out(s_.substr(begin, pos_ - begin));
        ++pos_;
        return out;
    }
    bool parse_bool() {
        if (s_.substr(pos_, 4) == "True") {
            pos_ += 4;
            return true;
        }
        if (s_.substr(pos_, 5) == "False") {
            pos_ += 5;
            return false;
        }
        bad("expected True or False");
    }
    std::vector<std::uint64_t> parse_tuple() {
        std::vector<std::uint64_t> dims;
        expect('(');
        skip_ws();
        while (peek() != ')') {
            if (dims.size() >= 32) bad("too many dimensions");
            if (!(peek() >= '0' && peek() <= '9')) bad("expected a non-negative integer in the shape");
            std::uint64_t v = 0;
            while (peek() >= '0' && peek() <= '9') {
                const auto digit = static_cast<std::uint64_t>(peek() - '0');
                if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) bad("shape value too large");
                v = v * 10 + digit;
                ++pos_;
            }
            if (peek() == 'L') ++pos_;  // Python 2 long suffix
            dims.push_back(v);
            skip_ws();
            if (peek() == ',') {
                ++pos_;
                skip_ws();
            } else if (peek() != ')') {
                bad("expected ',' or ')' in the shape");
            }
        }
        ++pos_;
        return dims;
    }

    std::string_view s_;
    const std::string& path_;
    std::size_t pos_ = 0;
};

inline std::string shape_string(const std::vector<std::uint64_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

/// Reads an .npy header from `in`; `file_size` is the file's length when known (a regular file),
/// nothing for a pipe (then a truncated header shows as a short read).
inline NpyHeader read_npy_header(std::istream& in, const std::string& path, std::optional<std::uint64_t> file_size) {
    unsigned char pre[12] = {};
    if (file_size && *file_size < 10) fail(path, "not a .npy file: only ", *file_size, " bytes");
    in.read(reinterpret_cast<char*>(pre), 10);
    if (!in || std::memcmp(pre, "\x93NUMPY", 6) != 0) fail(path, "not a .npy file (bad magic bytes)");
    const unsigned major = pre[6], minor = pre[7];
    std::uint64_t header_len = 0, prefix = 0;
    if (major == 1) {
        header_len = static_cast<std::uint64_t>(pre[8]) | (static_cast<std::uint64_t>(pre[9]) << 8);
        prefix = 10;
    } else if (major == 2 || major == 3) {
        if (file_size && *file_size < 12) fail(path, "truncated .npy header");
        in.read(reinterpret_cast<char*>(pre + 10), 2);
        if (!in) fail(path, "truncated .npy header");
        header_len = static_cast<std::uint64_t>(pre[8]) | (static_cast<std::uint64_t>(pre[9]) << 8) |
                     (static_cast<std::uint64_t>(pre[10]) << 16) | (static_cast<std::uint64_t>(pre[11]) << 24);
        prefix = 12;
    } else {
        fail(path, "unsupported .npy format version ", major, ".", minor, " (supported: 1.x, 2.x, 3.x)");
    }
    if (file_size && header_len > *file_size - prefix)
        fail(path, "truncated .npy header: it claims ", header_len, " bytes but the file has ", *file_size - prefix,
             " after the preamble");
    if (header_len > (1u << 20)) fail(path, ".npy header of ", header_len, " bytes is implausibly large");
    std::string text(static_cast<std::size_t>(header_len), '\0');
    if (header_len > 0) in.read(&text[0], static_cast<std::streamsize>(header_len));
    if (!in) fail(path, "truncated .npy header");
    NpyHeader h = NpyDictParser(text, path).parse();
    h.data_offset = prefix + header_len;
    return h;
}

/// Checks that exactly shape[0] x shape[1] values of F (2-D, neither 0) follow an .npy header:
/// against the file's length when known, else only that the size is representable (a stream's
/// length shows when it is read).
template <class F>
void check_npy_extent(const std::string& path, const NpyHeader& h, std::optional<std::uint64_t> file_size) {
    const std::uint64_t rows = h.shape[0], cols = h.shape[1];
    if (rows == 0 || cols == 0) fail(path, "no data: the array has shape ", shape_string(h.shape));
    const std::uint64_t max_index = static_cast<std::uint64_t>(std::numeric_limits<Eigen::Index>::max());
    if (!file_size) {
        if (rows > max_index / sizeof(F) / cols)
            fail(path, "corrupt .npy header: shape ", shape_string(h.shape), " is implausibly large");
        return;
    }
    const std::uint64_t available = *file_size - h.data_offset;
    // Overflow-safe: rows * cols * sizeof(F) compared with the bytes actually present.
    const bool too_big = rows > max_index || cols > max_index || rows > available / sizeof(F) / cols;
    if (too_big)
        fail(path, "truncated .npy data: shape ", shape_string(h.shape), " needs more bytes than the ", available,
             " that follow the header");
    const std::uint64_t need = rows * cols * sizeof(F);
    if (need != available)
        fail(path, "truncated or corrupt .npy data: shape ", shape_string(h.shape), " needs ", need,
             " bytes of data but ", available, " follow the header");
}

/// Fails on the first NaN or infinity of a row-major rows x cols array.
template <class F>
void check_npy_finite(const std::string& path, const F* data, std::uint64_t rows, std::uint64_t cols) {
    for (std::uint64_t i = 0; i < rows; ++i)
        for (std::uint64_t j = 0; j < cols; ++j)
            if (!std::isfinite(data[i * cols + j]))
                fail(path, "non-finite value ", data[i * cols + j], " at row ", i, ", column ", j,
                     " (0-based; NaN and infinity are not allowed)");
}

/// True on a little-endian host (the byte order of '<f4' / '<f8' .npy data).
inline bool little_endian_host() {
    const std::uint16_t probe = 1;
    unsigned char first = 0;
    std::memcpy(&first, &probe, 1);
    return first == 1;
}

/// Reads a 2-D '<f4'/'<f8' C-order .npy array into a matrix of the file's own type.
template <class F>
tsne::RowMatrix<F> read_npy_data(Source& src, const NpyHeader& h) {
    const std::string& path = src.path();
    check_npy_extent<F>(path, h, src.size());
    const std::uint64_t rows = h.shape[0], cols = h.shape[1], need = rows * cols * sizeof(F);
    tsne::RowMatrix<F> X;
    if (src.size()) {  // a regular file: its length was checked, read straight into the matrix
        X.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
        if (src.read(X.data(), static_cast<std::size_t>(need)) != need) fail(path, "read error in the .npy data");
    } else {  // a stream: its length shows as it is read
        const Blocks b = read_blocks(src, need);
        if (b.size < need)
            fail(path, "truncated .npy data: shape ", shape_string(h.shape), " needs ", need, " bytes of data but only ",
                 b.size, " follow the header");
        if (b.more)
            fail(path, "corrupt .npy data: more than the ", need, " bytes that shape ", shape_string(h.shape),
                 " needs follow the header");
        X.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
        b.copy_to(X.data());
    }
    // The files are little-endian; swap on big-endian hosts.
    if (!little_endian_host() && sizeof(F) > 1) {
        auto* bytes = reinterpret_cast<unsigned char*>(X.data());
        for (std::uint64_t i = 0; i < rows * cols; ++i) std::reverse(bytes + i * sizeof(F), bytes + (i + 1) * sizeof(F));
    }
    if constexpr (std::is_floating_point_v<F>) check_npy_finite(path, X.data(), rows, cols);
    return X;
}

}  // namespace detail

/// Reads a 2-D .npy array (format 1.0, 2.0 or 3.0; dtype '<f4' or '<f8', kept; '|u1' read as
/// float32; C order).
inline Matrix read_npy_any(detail::Source& src) {
    const std::string& path = src.path();
    const NpyHeader h = detail::read_npy_header(src.stream(), path, src.size());
    if (h.fortran_order)
        detail::fail(path, "Fortran-order (column-major) .npy arrays are not supported; save with "
                           "numpy.ascontiguousarray(a)");
    if (h.shape.size() != 2)
        detail::fail(path, "expected a 2-D array (points x features), got shape ", detail::shape_string(h.shape));
    if (h.descr == "<f4") return detail::read_npy_data<float>(src, h);
    if (h.descr == "<f8") return detail::read_npy_data<double>(src, h);
    if (h.descr == "|u1" || h.descr == "<u1") {  // e.g. raw pixels: read as float32
        const auto bytes = detail::read_npy_data<std::uint8_t>(src, h);
        return tsne::RowMatrix<float>(bytes.template cast<float>());
    }
    if (h.descr == ">f4" || h.descr == ">f8")
        detail::fail(path, "big-endian dtype ", detail::quote(h.descr), " is not supported; use '<f4' or '<f8'");
    detail::fail(path, "unsupported dtype ", detail::quote(h.descr),
                 " (supported: float32 '<f4', float64 '<f8' and uint8 '|u1'; convert with a.astype(numpy.float32))");
}

/// Reads a 2-D .npy file (see read_npy_any(detail::Source&)).
inline Matrix read_npy_any(const std::string& path) {
    detail::Source src(path);
    return read_npy_any(src);
}

/// Reads a 2-D .npy array and converts it to T.
template <class T>
tsne::RowMatrix<T> read_npy(const std::string& path) {
    return std::visit([](auto&& m) -> tsne::RowMatrix<T> { return m.template cast<T>(); }, read_npy_any(path));
}

// ---------------------------------------------------------------------------------------------
// Memory-mapped .npy (POSIX): float32/float64 data viewed in place, never copied
// ---------------------------------------------------------------------------------------------

namespace detail {

#if TSNEX_HAVE_MMAP
/// The live mappings a SIGBUS may hit: a mapped file shortened by another process while in use
/// (reading a page past its new end raises SIGBUS). Lock-free, read by the signal handler.
struct MapSlot {
    std::atomic<std::uintptr_t> begin{0};
    std::atomic<std::size_t> size{0};
    std::atomic<bool> truncated{false};
};
inline MapSlot map_slots[16];
inline std::atomic<std::uintptr_t> map_page_size{4096};
inline struct sigaction previous_sigbus {};
inline std::atomic<bool> sigbus_installed{false};

/// SIGBUS inside a registered mapping: the rest of that mapping becomes zero pages (so the
/// faulting read and all later ones complete) and the mapping is marked truncated, for its owner
/// to report as a bad input. Any other SIGBUS gets the previous disposition (by default, death).
inline void on_sigbus(int sig, siginfo_t* info, void* context) {
    struct KeepErrno {  // mmap may set errno under the interrupted code's feet
        int saved = errno;
        ~KeepErrno() { errno = saved; }
    } keep_errno;
    const auto addr = reinterpret_cast<std::uintptr_t>(info ? info->si_addr : nullptr);
    for (MapSlot& s : map_slots) {
        const std::uintptr_t b = s.begin.load();
        const std::size_t n = s.size.load();
        if (b == 0 || addr < b || addr >= b + n) continue;
        const std::uintptr_t page = addr & ~(map_page_size.load() - 1);
        void* p = ::mmap(reinterpret_cast<void*>(page), b + n - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                         -1, 0);
        if (p != MAP_FAILED) {
            s.truncated.store(true);
            return;
        }
        break;
    }
    ::sigaction(SIGBUS, &previous_sigbus, nullptr);
    if ((previous_sigbus.sa_flags & SA_SIGINFO) && previous_sigbus.sa_sigaction)
        previous_sigbus.sa_sigaction(sig, info, context);
    else if (previous_sigbus.sa_handler != SIG_DFL && previous_sigbus.sa_handler != SIG_IGN)
        previous_sigbus.sa_handler(sig);
    // else: returning re-runs the faulting access under the default action
}

inline void install_sigbus_handler() {
    if (sigbus_installed.exchange(true)) return;
    const long page = ::sysconf(_SC_PAGESIZE);
    if (page > 0) map_page_size.store(static_cast<std::uintptr_t>(page));
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, &previous_sigbus);
}
#endif

/// The path of the last mapped file found shortened while mapped (see MappedFile::truncated()).
inline std::string& truncated_mapping_path() {
    static std::string path;
    return path;
}

}  // namespace detail

/// The file of a memory mapping that was shortened while in use (its missing pages read as
/// zeros, so whatever was computed from it is void), or "" if none was. Set when such a mapping
/// is checked or destroyed; the CLI turns it into "<file>: was truncated while in use", exit 1.
inline const std::string& truncated_mapping() { return detail::truncated_mapping_path(); }

/// A read-only memory mapping of a whole regular file, unmapped when destroyed. If the file is
/// shortened while mapped (by another process), the pages past its new end read as zeros instead
/// of killing the program with SIGBUS, and truncated() becomes true: check it before trusting
/// anything computed from the data (tsnex::truncated_mapping() names such a file afterwards).
class MappedFile {
public:
    /// Maps `path`; throws io_error when it cannot be opened or mapped.
    explicit MappedFile(const std::string& path) : path_(path) {
#if TSNEX_HAVE_MMAP
        errno = 0;
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) detail::fail(path, "cannot open for reading: ", std::strerror(errno));
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd);
            detail::fail(path, "cannot map: not a regular file");
        }
        size_ = static_cast<std::uint64_t>(st.st_size);
        if (size_ > 0) {
            void* p = ::mmap(nullptr, static_cast<std::size_t>(size_), PROT_READ, MAP_PRIVATE, fd, 0);
            const int e = errno;
            if (p == MAP_FAILED) {
                ::close(fd);
                detail::fail(path, "cannot map into memory: ", std::strerror(e));
            }
            fd_ = fd;  // kept to notice a shortening that stays inside the last page (no SIGBUS)
            data_ = static_cast<const unsigned char*>(p);
            detail::install_sigbus_handler();
            for (std::size_t i = 0; i < std::size(detail::map_slots); ++i) {
                std::uintptr_t expected = 0;
                detail::MapSlot& s = detail::map_slots[i];
                if (s.begin.load() != 0) continue;
                s.size.store(static_cast<std::size_t>(size_));
                s.truncated.store(false);
                if (s.begin.compare_exchange_strong(expected, reinterpret_cast<std::uintptr_t>(p))) {
                    slot_ = static_cast<int>(i);
                    break;
                }
            }
        } else {
            ::close(fd);
        }
#else
        detail::fail(path, "memory mapping is not available on this platform");
#endif
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() {
#if TSNEX_HAVE_MMAP
        truncated();  // records the path if it was
        if (slot_ >= 0) detail::map_slots[slot_].begin.store(0);
        if (fd_ >= 0) ::close(fd_);
        if (data_) ::munmap(const_cast<unsigned char*>(data_), static_cast<std::size_t>(size_));
#endif
    }

    const unsigned char* data() const noexcept { return data_; }
    std::uint64_t size() const noexcept { return size_; }
    const std::string& path() const noexcept { return path_; }

    /// True when the file is shorter than when it was mapped, or a read went past a new end (the
    /// pages from there on read as zeros); records the path for tsnex::truncated_mapping().
    bool truncated() const {
#if TSNEX_HAVE_MMAP
        struct stat st {};
        const bool shorter = fd_ >= 0 && ::fstat(fd_, &st) == 0 && static_cast<std::uint64_t>(st.st_size) < size_;
        if (shorter || (slot_ >= 0 && detail::map_slots[slot_].truncated.load())) {
            detail::truncated_mapping_path() = path_;
            return true;
        }
#endif
        return false;
    }

private:
    std::string path_;
    int slot_ = -1;  ///< in detail::map_slots, -1 if none was free (then SIGBUS is not caught)
    int fd_ = -1;
    const unsigned char* data_ = nullptr;
    std::uint64_t size_ = 0;
};

/// A read-only view of a row-major float or double matrix held elsewhere (e.g. a mapped file).
template <class T>
using ConstMap = Eigen::Map<const tsne::RowMatrix<T>>;

/// A 2-D float32 or float64 .npy array viewed in its memory-mapped file: `X` points into `file`,
/// which stays mapped as long as this object (or a copy of `file`) lives.
struct MappedNpy {
    std::shared_ptr<const MappedFile> file;
    std::variant<ConstMap<float>, ConstMap<double>> X;
};

namespace detail {
/// An istream over bytes in memory (the header of a mapped .npy file).
class MemoryBuf : public std::streambuf {
public:
    MemoryBuf(const unsigned char* data, std::uint64_t size) {
        char* b = const_cast<char*>(reinterpret_cast<const char*>(data));  // get area only: never written
        setg(b, b, b + size);
    }
};
}  // namespace detail

/// Maps `path` and views its data without copying when it is a 2-D little-endian float32 ('<f4')
/// or float64 ('<f8') C-order .npy file on a little-endian host, with the data aligned for its
/// type (numpy aligns it to 64 bytes). Checks it as read_npy_any does, with the same messages:
/// the header, the exact data size, and every value finite (one pass over the mapped data).
/// Returns nothing when the file is not a regular file, is of another dtype (e.g. uint8, which
/// needs a conversion anyway), order or rank, or cannot be mapped: read it with read_npy_any then
/// (which also reports what is wrong with it).
inline std::optional<MappedNpy> map_npy(const std::string& path) {
#if TSNEX_HAVE_MMAP
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || !detail::little_endian_host()) return std::nullopt;
    std::shared_ptr<const MappedFile> file;
    try {
        file = std::make_shared<const MappedFile>(path);
    } catch (const io_error&) {
        return std::nullopt;  // e.g. a file system without mmap: the stream reader will do
    }
    detail::MemoryBuf buf(file->data(), file->size());
    std::istream in(&buf);
    const NpyHeader h = detail::read_npy_header(in, path, file->size());
    if (h.fortran_order || h.shape.size() != 2) return std::nullopt;
    const auto view = [&](auto tag) -> std::optional<MappedNpy> {
        using F = decltype(tag);
        if (h.data_offset % alignof(F) != 0) return std::nullopt;
        detail::check_npy_extent<F>(path, h, file->size());
        const auto* data = reinterpret_cast<const F*>(file->data() + h.data_offset);
        detail::check_npy_finite(path, data, h.shape[0], h.shape[1]);
        return MappedNpy{file, ConstMap<F>(data, static_cast<Eigen::Index>(h.shape[0]),
                                           static_cast<Eigen::Index>(h.shape[1]))};
    };
    if (h.descr == "<f4") return view(float{});
    if (h.descr == "<f8") return view(double{});
#else
    (void)path;
#endif
    return std::nullopt;
}

namespace detail {

/// Converts label values (any numeric type, read as double) to int: each must be an integer.
inline std::vector<int> to_int_labels(const std::string& path, const std::vector<double>& v) {
    std::vector<int> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!(v[i] == std::floor(v[i])) || std::abs(v[i]) > 2147483647.0)
            fail(path, "label ", i, " (0-based) is ", v[i], ", not an integer that fits in 32 bits");
        out[i] = static_cast<int>(v[i]);
    }
    if (out.empty()) fail(path, "no labels: the array is empty");
    return out;
}

/// Bytes per element and a decoder for an .npy integer or float dtype ("<i8", "|u1", ...).
inline bool npy_numeric_type(const std::string& descr, std::size_t& size, char& kind) {
    if (descr.size() < 3 || !(descr[0] == '<' || descr[0] == '|')) return false;
    kind = descr[1];
    if (kind != 'i' && kind != 'u' && kind != 'f') return false;
    size = static_cast<std::size_t>(descr[2] - '0');
    if (descr.size() != 3 || !(size == 1 || size == 2 || size == 4 || size == 8)) return false;
    return !(kind == 'f' && size < 4);
}

/// Decodes one little-endian element of the given kind and size.
inline double decode_le(const unsigned char* b, std::size_t size, char kind) {
    std::uint64_t u = 0;
    for (std::size_t i = 0; i < size; ++i) u |= static_cast<std::uint64_t>(b[i]) << (8 * i);
    if (kind == 'f') {
        if (size == 4) {
            const auto w = static_cast<std::uint32_t>(u);
            float f;
            std::memcpy(&f, &w, 4);
            return static_cast<double>(f);
        }
        double d;
        std::memcpy(&d, &u, 8);
        return d;
    }
    if (kind == 'u') return static_cast<double>(u);
    const int bits = static_cast<int>(size * 8);
    if (bits < 64 && (u >> (bits - 1)) & 1u) return static_cast<double>(static_cast<std::int64_t>(u | (~std::uint64_t(0) << bits)));
    return static_cast<double>(static_cast<std::int64_t>(u));
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// IDX (the MNIST / Fashion-MNIST format), plain or gzip-compressed
// ---------------------------------------------------------------------------------------------

namespace detail {

/// Sequential reader of a plain or gzip-compressed input (gzip needs zlib: TSNE_HAVE_ZLIB),
/// decompressing from the same Source (so a compressed pipe works too). Concatenated gzip
/// members are read as one stream, as gunzip does.
class ByteSource {
public:
    explicit ByteSource(Source& src) : src_(src), path_(src.path()) {
        gz_ = sniff(src) == Format::gzip;
        if (!gz_) return;
#if TSNE_HAVE_ZLIB
        if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) fail(path_, "cannot start gzip decompression");
        zinit_ = true;
        zin_.resize(std::size_t(1) << 16);
#else
        fail(path_, "is gzip-compressed, but this program was built without zlib (Debian: zlib1g-dev); "
                    "decompress it first (gunzip -k)");
#endif
    }
    ByteSource(const ByteSource&) = delete;
    ByteSource& operator=(const ByteSource&) = delete;
    ~ByteSource() {
#if TSNE_HAVE_ZLIB
        if (zinit_) inflateEnd(&zs_);
#endif
    }

    bool compressed() const noexcept { return gz_; }
    /// Size of a plain regular file (nothing for a compressed file or a stream).
    std::optional<std::uint64_t> plain_size() const { return gz_ ? std::nullopt : src_.size(); }

    /// Reads up to n bytes; returns how many were read (fewer only at the end of the data).
    std::size_t read(void* dst, std::size_t n) {
        if (!gz_) return src_.read(dst, n);
#if TSNE_HAVE_ZLIB
        std::size_t done = 0;
        auto* out = static_cast<unsigned char*>(dst);
        while (done < n && !zdone_) {
            if (zs_.avail_in == 0) {
                const std::size_t got = src_.read(zin_.data(), zin_.size());
                if (got == 0) {
                    if (member_ended_) {  // the end of the input right after a member: done
                        zdone_ = true;
                        break;
                    }
                    fail(path_, "truncated or corrupt gzip data: unexpected end of file");
                }
                zs_.next_in = zin_.data();
                zs_.avail_in = static_cast<uInt>(got);
            }
            if (member_ended_) {  // more bytes after a member: the next member
                if (inflateReset(&zs_) != Z_OK) fail(path_, "corrupt gzip data");
                member_ended_ = false;
            }
            const auto chunk = static_cast<uInt>(std::min<std::size_t>(n - done, 1u << 30));
            zs_.next_out = out + done;
            zs_.avail_out = chunk;
            const int rc = inflate(&zs_, Z_NO_FLUSH);
            done += chunk - zs_.avail_out;
            if (rc == Z_STREAM_END) member_ended_ = true;
            else if (rc != Z_OK && rc != Z_BUF_ERROR)
                fail(path_, "corrupt gzip data: ", zs_.msg ? zs_.msg : "invalid data");
        }
        return done;
#else
        (void)dst;
        (void)n;
        return 0;
#endif
    }

private:
    Source& src_;
    std::string path_;
    bool gz_ = false;
#if TSNE_HAVE_ZLIB
    z_stream zs_{};
    bool zinit_ = false, member_ended_ = false, zdone_ = false;
    std::vector<unsigned char> zin_;
#endif
};

}  // namespace detail

/// An IDX array: shape (the header's big-endian 32-bit sizes) and the raw big-endian values.
struct IdxArray {
    std::vector<std::uint64_t> shape;
    std::size_t element_size = 1;  ///< bytes per value
    char kind = 'u';               ///< 'u' unsigned, 'i' signed integer, 'f' floating point
    std::vector<unsigned char> raw;

    std::size_t size() const noexcept { return raw.size() / element_size; }
    /// Value i as double.
    double at(std::size_t i) const {
        if (element_size == 1 && kind == 'u') return raw[i];
        unsigned char le[8];
        for (std::size_t b = 0; b < element_size; ++b) le[b] = raw[i * element_size + element_size - 1 - b];
        return detail::decode_le(le, element_size, kind);
    }
};

/// True when the file starts like IDX (two zero bytes, a known type code, 1 to 4 dimensions) or
/// is gzip-compressed (the IDX files of MNIST and Fashion-MNIST are distributed as .gz).
inline bool looks_like_idx(const std::string& path) {
    detail::Source src(path);
    const detail::Format f = detail::sniff(src);
    return f == detail::Format::idx || f == detail::Format::gzip;
}

/// Reads an IDX file (plain or .gz): magic 00 00 TYPE NDIMS, NDIMS big-endian uint32 sizes, then
/// the values, big-endian, of type 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32
/// or 0x0E float64. The data must be exactly as long as the sizes say; floats must be finite.
inline IdxArray read_idx_array(detail::Source& input) {
    const std::string& path = input.path();
    detail::ByteSource src(input);
    const char* what = src.compressed() ? "the decompressed IDX data" : "the IDX file";
    unsigned char magic[4];
    if (src.read(magic, 4) != 4) detail::fail(path, "not an IDX file: shorter than its 4-byte magic number");
    if (magic[0] != 0 || magic[1] != 0)
        detail::fail(path, "not an IDX file (the magic number must start with two zero bytes)");
    std::size_t esize = 0;
    char kind = 'u';
    switch (magic[2]) {
        case 0x08: esize = 1; kind = 'u'; break;
        case 0x09: esize = 1; kind = 'i'; break;
        case 0x0B: esize = 2; kind = 'i'; break;
        case 0x0C: esize = 4; kind = 'i'; break;
        case 0x0D: esize = 4; kind = 'f'; break;
        case 0x0E: esize = 8; kind = 'f'; break;
        default: detail::fail(path, "unknown IDX data type code 0x", std::hex, static_cast<int>(magic[2]));
    }
    const unsigned ndims = magic[3];
    if (ndims < 1 || ndims > 4) detail::fail(path, "IDX files with ", ndims, " dimensions are not supported (1 to 4)");
    IdxArray a;
    std::vector<std::uint64_t>& shape = a.shape;
    std::uint64_t count = 1;
    for (unsigned d = 0; d < ndims; ++d) {
        unsigned char b[4];
        if (src.read(b, 4) != 4) detail::fail(path, "truncated IDX header: ", what, " ends inside the dimension sizes");
        const std::uint64_t dim = (std::uint64_t(b[0]) << 24) | (std::uint64_t(b[1]) << 16) | (std::uint64_t(b[2]) << 8) | b[3];
        if (dim == 0) detail::fail(path, "IDX dimension ", d, " is 0: no data");
        count *= dim;  // at most 4 factors below 2^32 each: checked against 2^62 below
        if (count > (std::uint64_t(1) << 40)) detail::fail(path, "IDX header claims an implausibly large array");
        shape.push_back(dim);
    }
    const std::uint64_t header = 4 + 4 * std::uint64_t(ndims), need = count * esize;
    if (const auto size = src.plain_size(); size && *size - header != need)
        detail::fail(path, *size - header < need ? "truncated IDX data: the header's shape " : "corrupt IDX file: the header's shape ",
                     detail::shape_string(a.shape), " needs ", need, " bytes of data but ", *size - header,
                     " follow the header");
    // Read in chunks: a lying header in a compressed file or a stream costs only the bytes
    // actually present. A plain regular file's length was checked: its size is reserved at once
    // (no reallocation copies).
    std::vector<unsigned char> raw;
    if (src.plain_size()) raw.reserve(static_cast<std::size_t>(need));
    std::uint64_t have = 0;
    while (have < need) {
        const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(need - have, 1u << 24));
        raw.resize(static_cast<std::size_t>(have) + chunk);
        const std::size_t got = src.read(raw.data() + have, chunk);
        have += got;
        if (got < chunk) break;
    }
    if (have < need)
        detail::fail(path, "truncated IDX data: the header's shape ", detail::shape_string(a.shape), " needs ", need,
                     " bytes but ", what, " has only ", have);
    unsigned char extra = 0;
    if (src.read(&extra, 1) != 0)
        detail::fail(path, "corrupt IDX file: ", what, " continues after the ", need, " bytes its header's shape ",
                     detail::shape_string(a.shape), " needs");
    a.element_size = esize;
    a.kind = kind;
    a.raw = std::move(raw);
    if (kind == 'f')
        for (std::size_t i = 0; i < a.size(); ++i)
            if (const double v = a.at(i); !std::isfinite(v))
                detail::fail(path, "non-finite value ", v, " at element ", i, " (NaN and infinity are not allowed)");
    return a;
}

/// Reads an IDX file (see read_idx_array(detail::Source&)).
inline IdxArray read_idx_array(const std::string& path) {
    detail::Source src(path);
    return read_idx_array(src);
}

/// An IDX array as a float32 matrix: the first dimension is the points, the others are
/// flattened into features (28 x 28 images become 784 columns; a 1-D file is one column).
/// `path` names the file in errors.
inline tsne::RowMatrix<float> idx_matrix(const IdxArray& a, const std::string& path) {
    const std::uint64_t rows = a.shape[0], cols = a.size() / rows;
    tsne::RowMatrix<float> X(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    if (a.element_size == 1 && a.kind == 'u') {  // pixels: the common case, kept fast
        std::copy(a.raw.begin(), a.raw.end(), X.data());
        return X;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double v = a.at(i);
        if (std::abs(v) > static_cast<double>(std::numeric_limits<float>::max()))
            detail::fail(path, "value ", v, " at element ", i, " is out of range for 32-bit float");
        X.data()[i] = static_cast<float>(v);
    }
    return X;
}

/// Reads an IDX input as a float32 matrix (see idx_matrix).
inline tsne::RowMatrix<float> read_idx(detail::Source& src) {
    return idx_matrix(read_idx_array(src), src.path());
}

/// Reads labels from an IDX file: 1-D (N), or N x 1, integer values.
inline std::vector<int> read_idx_labels(detail::Source& src) {
    const std::string& path = src.path();
    const IdxArray a = read_idx_array(src);
    if (a.shape.size() > 2 || (a.shape.size() == 2 && a.shape[1] != 1))
        detail::fail(path, "labels must be a 1-D IDX array, got shape ", detail::shape_string(a.shape),
                     " (is this the images file?)");
    std::vector<double> values(a.size());
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = a.at(i);
    return detail::to_int_labels(path, values);
}

/// Reads an IDX file as a float32 matrix (see read_idx(detail::Source&)).
inline tsne::RowMatrix<float> read_idx(const std::string& path) {
    detail::Source src(path);
    return read_idx(src);
}

/// Reads labels from an IDX file (see read_idx_labels(detail::Source&)).
inline std::vector<int> read_idx_labels(const std::string& path) {
    detail::Source src(path);
    return read_idx_labels(src);
}

/// Reads a headerless file of little-endian float32 values as rows x cols (both from --shape):
/// the file must hold exactly rows * cols * 4 bytes.
inline tsne::RowMatrix<float> read_raw_f32(const std::string& path, std::uint64_t rows, std::uint64_t cols) {
    detail::Source src(path);
    if (rows == 0 || cols == 0) detail::fail(path, "--shape must be positive, got ", rows, ",", cols);
    if (rows > std::numeric_limits<std::uint64_t>::max() / 4 / cols)
        detail::fail(path, "--shape ", rows, ",", cols, " is too large");
    const std::uint64_t need = rows * cols * 4;
    std::uint64_t size = 0;
    detail::Blocks raw;
    if (src.size()) {
        size = *src.size();
    } else {  // a stream: read what is there (up to what --shape needs), then compare
        raw = detail::read_blocks(src, need);
        size = raw.size + (raw.more ? 1 : 0);
    }
    if (size != need) {
        const bool divisible = size % (4 * cols) == 0;
        const bool known = src.size().has_value();
        detail::fail(path, "--shape ", rows, ",", cols, " needs ", need, " bytes of float32 but the ",
                     known ? "file has " : "input has ", !known && raw.more ? "more than " + std::to_string(need) : std::to_string(size),
                     known && divisible && size > 0 ? " (that is " + std::to_string(size / 4 / cols) + " rows of " + std::to_string(cols) + ")"
                                                    : std::string(known && size % 4 ? " (not a multiple of 4)" : ""));
    }
    std::vector<unsigned char> bytes(static_cast<std::size_t>(need));
    if (src.size()) {
        if (src.read(bytes.data(), bytes.size()) != bytes.size()) detail::fail(path, "read error");
    } else {
        raw.copy_to(bytes.data());
        raw = {};
    }
    tsne::RowMatrix<float> X(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    for (std::size_t i = 0; i < static_cast<std::size_t>(rows * cols); ++i) {
        const double v = detail::decode_le(bytes.data() + 4 * i, 4, 'f');
        if (!std::isfinite(v))
            detail::fail(path, "non-finite value ", v, " at row ", i / cols, ", column ", i % cols,
                         " (0-based; NaN and infinity are not allowed)");
        X.data()[i] = static_cast<float>(v);
    }
    return X;
}

/// True when the reader for `path` is the .npy one (by extension, case-insensitive).
inline bool is_npy_path(const std::string& path) { return detail::lower_extension(path) == ".npy"; }

namespace detail {
/// True when `src` is read as .npy: by its name, or by its magic bytes (a pipe, /dev/stdin).
inline bool is_npy(Source& src) { return is_npy_path(src.path()) || sniff(src) == Format::npy; }
}  // namespace detail

/// Reads a data set from an opened input: .npy (by name or content) → read_npy_any (float32 or
/// float64 as stored, uint8 as float32); IDX or gzip content → read_idx (float32); anything else
/// → read_csv<float> (comma, tab, semicolon or space separated).
inline Matrix read_matrix(detail::Source& src) {
    if (detail::is_npy(src)) return read_npy_any(src);
    const detail::Format f = detail::sniff(src);
    if (f == detail::Format::idx || f == detail::Format::gzip) return read_idx(src);
    return read_csv<float>(src);
}

/// Reads a data set from a file, a pipe, a FIFO or /dev/stdin, each read exactly once (see
/// read_matrix(detail::Source&)).
inline Matrix read_matrix(const std::string& path) {
    detail::Source src(path);
    return read_matrix(src);
}

// ---------------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------------

/// Reads integer labels from text, one per line (surrounding spaces and trailing blank lines
/// allowed; a first line that is not a number, e.g. "label", is a header and skipped).
inline std::vector<int> read_text_labels(detail::Source& src) {
    const std::string& path = src.path();
    std::vector<int> labels;
    std::string line;
    std::size_t line_no = 0, blank_line = 0;
    bool header = false;
    while (src.getline(line, line_no + 1)) {
        ++line_no;
        std::string_view sv = detail::trim(line);
        if (line_no == 1 && sv.size() >= 3 && sv.substr(0, 3) == "\xEF\xBB\xBF") sv = detail::trim(sv.substr(3));
        if (sv.empty()) {
            if (blank_line == 0) blank_line = line_no;
            continue;
        }
        if (blank_line != 0) detail::fail(path, "line ", blank_line, ": empty line between labels");
        const bool one_cell = detail::count_cells(sv, detail::guess_delimiter(sv)) == 1;
        if (labels.empty() && !header && one_cell && detail::is_header_line(sv)) {
            header = true;
            continue;
        }
        std::string_view digits = sv;
        if (digits.front() == '+') digits.remove_prefix(1);
        int v = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (r.ec == std::errc::result_out_of_range)
            detail::fail(path, "line ", line_no, ": label ", detail::quote(sv), " is out of range");
        if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size())
            detail::fail(path, "line ", line_no, ": not an integer label: ", detail::quote(sv),
                         one_cell ? "" : " (labels are one integer per line)");
        labels.push_back(v);
    }
    if (labels.empty()) detail::fail(path, "no labels: the file is empty");
    return labels;
}

/// Reads integer labels from a text file (see read_text_labels(detail::Source&)).
inline std::vector<int> read_text_labels(const std::string& path) {
    detail::Source src(path);
    return read_text_labels(src);
}

/// Reads labels from a .npy array: 1-D (N,) or 2-D (N, 1), any integer dtype ('|u1', '<i4',
/// '<i8', ...) or a float dtype holding integers.
inline std::vector<int> read_npy_labels(detail::Source& src) {
    const std::string& path = src.path();
    const NpyHeader h = detail::read_npy_header(src.stream(), path, src.size());
    const bool column = h.shape.size() == 2 && h.shape[1] == 1;
    if (!(h.shape.size() == 1 || column))
        detail::fail(path, "labels must be a 1-D array (N,) or (N, 1), got shape ", detail::shape_string(h.shape));
    std::size_t esize = 0;
    char kind = 0;
    if (!detail::npy_numeric_type(h.descr, esize, kind))
        detail::fail(path, "unsupported label dtype ", detail::quote(h.descr),
                     " (supported: little-endian integers and floats, e.g. '|u1', '<i8', '<f4')");
    const std::uint64_t n = h.shape[0];
    if (n > (std::uint64_t(1) << 40) / esize)
        detail::fail(path, "corrupt .npy header: shape ", detail::shape_string(h.shape), " is implausibly large");
    std::uint64_t available = 0;
    detail::Blocks b;
    if (src.size()) {
        available = *src.size() - h.data_offset;
    } else {
        b = detail::read_blocks(src, n * esize);
        available = b.size + (b.more ? 1 : 0);
    }
    if (n > available / esize || n * esize != available)
        detail::fail(path, "truncated or corrupt .npy data: shape ", detail::shape_string(h.shape), " needs ",
                     n > available / esize ? std::string("more than ") + std::to_string(available) : std::to_string(n * esize),
                     " bytes but ", src.size() || !b.more ? std::to_string(available) : "more than " + std::to_string(n * esize),
                     " follow the header");
    std::vector<unsigned char> raw(static_cast<std::size_t>(n * esize));
    if (src.size()) {
        if (src.read(raw.data(), raw.size()) != raw.size()) detail::fail(path, "read error in the .npy data");
    } else {
        b.copy_to(raw.data());
    }
    std::vector<double> v(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = detail::decode_le(raw.data() + i * esize, esize, kind);
    return detail::to_int_labels(path, v);
}

/// Reads labels from a .npy file (see read_npy_labels(detail::Source&)).
inline std::vector<int> read_npy_labels(const std::string& path) {
    detail::Source src(path);
    return read_npy_labels(src);
}

/// Reads labels, the input opened and read once: .npy (by name or content) → read_npy_labels;
/// IDX (plain or .gz) → read_idx_labels; else text.
inline std::vector<int> read_labels(const std::string& path) {
    detail::Source src(path);
    if (detail::is_npy(src)) return read_npy_labels(src);
    const detail::Format f = detail::sniff(src);
    if (f == detail::Format::idx || f == detail::Format::gzip) return read_idx_labels(src);
    return read_text_labels(src);
}

// ---------------------------------------------------------------------------------------------
// Precomputed inputs: distance matrix, kNN graph, affinity triplets (all read into float, the
// type the command-line program computes in for them).
// ---------------------------------------------------------------------------------------------

namespace detail {

/// A table of numbers from CSV or .npy, read as double (exact for indices up to 2^53), with the
/// reader kind kept so messages can name rows the way the file counts them.
struct Table {
    tsne::RowMatrix<double> values;
    bool npy = false;

    /// "line 3, column 2" (CSV, 1-based as an editor shows) or "row 2, column 1 (0-based)" (.npy).
    std::string where(Eigen::Index row, Eigen::Index col) const {
        std::ostringstream s;
        if (npy) s << "row " << row << ", column " << col << " (0-based)";
        else s << "line " << row + 1 << ", column " << col + 1;
        return s.str();
    }
    std::string where_row(Eigen::Index row) const {
        return npy ? "row " + std::to_string(row) + " (0-based)" : "line " + std::to_string(row + 1);
    }
};

inline Table read_table(const std::string& path) {
    Source src(path);
    Table t;
    t.npy = is_npy(src);
    if (t.npy)
        t.values = std::visit([](auto&& m) -> tsne::RowMatrix<double> { return m.template cast<double>(); },
                              read_npy_any(src));
    else
        t.values = read_csv<double>(src);
    return t;
}

/// Checks that a cell holds a non-negative integer below `limit` and returns it.
inline std::uint64_t index_cell(const std::string& path, const Table& t, Eigen::Index r, Eigen::Index c,
                                std::uint64_t limit, const char* what, const char* limit_name) {
    const double v = t.values(r, c);
    if (v != std::floor(v)) fail(path, t.where(r, c), ": ", what, " ", v, " is not an integer");
    if (v < 0) fail(path, t.where(r, c), ": ", what, " ", v, " is negative (indices are 0-based)");
    if (!(v < static_cast<double>(limit)))
        fail(path, t.where(r, c), ": ", what, " ", std::llround(std::min(v, 9e18)), " is out of range: it must be < ",
             limit, " (", limit_name, ")");
    return static_cast<std::uint64_t>(v);
}

/// Checks that a cell holds a value >= 0 that fits in float and returns it as float.
inline float non_negative_cell(const std::string& path, const Table& t, Eigen::Index r, Eigen::Index c,
                               const char* what) {
    const double v = t.values(r, c);
    if (v < 0) fail(path, t.where(r, c), ": negative ", what, " ", v, " (values must be >= 0)");
    if (v > static_cast<double>(std::numeric_limits<float>::max()))
        fail(path, t.where(r, c), ": ", what, " ", v, " is out of range for 32-bit float");
    return static_cast<float>(v);
}

}  // namespace detail

/// Reads a full N x N distance matrix (CSV or .npy; finite, >= 0; the diagonal is ignored).
inline tsne::RowMatrix<float> read_distances(const std::string& path) {
    detail::Source src(path);
    const bool npy = detail::is_npy(src);
    Matrix any = read_matrix(src);
    tsne::RowMatrix<float> D;
    if (auto* f = std::get_if<tsne::RowMatrix<float>>(&any)) {
        D = std::move(*f);
    } else {
        const auto& d = std::get<tsne::RowMatrix<double>>(any);
        for (Eigen::Index i = 0; i < d.rows(); ++i)
            for (Eigen::Index j = 0; j < d.cols(); ++j)
                if (std::abs(d(i, j)) > static_cast<double>(std::numeric_limits<float>::max()))
                    detail::fail(path, "row ", i, ", column ", j, " (0-based): distance ", d(i, j),
                                 " is out of range for 32-bit float");
        D = d.cast<float>();
        any = Matrix{};
    }
    if (D.rows() != D.cols())
        detail::fail(path, "a distance matrix must be square (N x N), got ", D.rows(), " rows x ", D.cols(),
                     " columns");
    if (D.rows() < 2) detail::fail(path, "a distance matrix needs at least 2 points, got ", D.rows());
    for (Eigen::Index i = 0; i < D.rows(); ++i)
        for (Eigen::Index j = 0; j < D.cols(); ++j)
            if (D(i, j) < 0.0f) {
                std::ostringstream where;
                if (npy) where << "row " << i << ", column " << j << " (0-based)";
                else where << "line " << i + 1 << ", column " << j + 1;
                detail::fail(path, where.str(), ": negative distance ", D(i, j), " (distances must be >= 0)");
            }
    return D;
}

/// Reads a kNN graph: N rows of 2k columns, the first k 0-based neighbour indices, the next k
/// their distances (any order within a row; the point itself must not be listed, nor a neighbour
/// twice). N is the number of rows. Indices are exact up to 2^24 in a float32 .npy, 2^53 in CSV or
/// float64.
inline tsne::KnnGraph<float> read_knn_graph(const std::string& path) {
    const detail::Table t = detail::read_table(path);
    const Eigen::Index rows = t.values.rows(), cols = t.values.cols();
    if (cols < 2 || cols % 2 != 0)
        detail::fail(path, "a kNN graph needs an even number of columns (k neighbour indices, then their k "
                           "distances), got ",
                     cols);
    if (rows < 2) detail::fail(path, "a kNN graph needs at least 2 points (rows), got ", rows);
    if (static_cast<std::uint64_t>(rows) > std::numeric_limits<std::uint32_t>::max())
        detail::fail(path, rows, " rows is more than the supported 2^32 - 1 points");
    const auto n = static_cast<std::size_t>(rows), k = static_cast<std::size_t>(cols / 2);
    auto g = tsne::KnnGraph<float>::allocate(n, k);
    std::vector<std::pair<std::uint32_t, Eigen::Index>> seen(k);
    for (Eigen::Index i = 0; i < rows; ++i) {
        for (std::size_t m = 0; m < k; ++m) {
            const auto c = static_cast<Eigen::Index>(m);
            const auto j = static_cast<std::uint32_t>(detail::index_cell(path, t, i, c, n, "neighbour index", "the number of rows"));
            if (j == static_cast<std::uint64_t>(i))
                detail::fail(path, t.where(i, c), ": point ", i, " lists itself as a neighbour");
            g.index[static_cast<std::size_t>(i) * k + m] = j;
            g.distance[static_cast<std::size_t>(i) * k + m] =
                detail::non_negative_cell(path, t, i, c + static_cast<Eigen::Index>(k), "distance");
            seen[m] = {j, c};
        }
        std::sort(seen.begin(), seen.end());
        for (std::size_t m = 1; m < k; ++m)
            if (seen[m].first == seen[m - 1].first)
                detail::fail(path, t.where_row(i), ": neighbour ", seen[m].first, " is listed twice (columns ",
                             std::min(seen[m].second, seen[m - 1].second) + (t.npy ? 0 : 1), " and ",
                             std::max(seen[m].second, seen[m - 1].second) + (t.npy ? 0 : 1), ")");
    }
    return g;
}

/// Reads affinities as COO triplets `i,j,value` (0-based indices, value finite and >= 0, no
/// diagonal entries, each (i, j) at most once) into CSR. The number of points is `points` if
/// non-zero (every index must be below it), else the largest index + 1.
inline tsne::Csr<float> read_affinities(const std::string& path, std::size_t points = 0) {
    const detail::Table t = detail::read_table(path);
    const Eigen::Index rows = t.values.rows();
    if (t.values.cols() != 3)
        detail::fail(path, "affinities need 3 columns (i, j, value: 0-based COO triplets), got ", t.values.cols());
    // The library takes at most 2^31 - 2 points (32-bit signed indices inside); checked here,
    // before row offsets for N points are allocated.
    const std::uint64_t max_points = static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()) - 1;
    if (points > max_points) detail::fail(path, points, " points is more than the supported ", max_points);
    const std::uint64_t limit = points ? points : max_points;
    struct Entry {
        std::uint32_t i, j;
        float v;
        Eigen::Index row;
    };
    std::vector<Entry> e(static_cast<std::size_t>(rows));
    std::uint64_t max_index = 0;
    for (Eigen::Index r = 0; r < rows; ++r) {
        const char* limit_name = points ? "the number of points, --points" : "the largest supported N";
        const auto i = detail::index_cell(path, t, r, 0, limit, "index i", limit_name);
        const auto j = detail::index_cell(path, t, r, 1, limit, "index j", limit_name);
        if (i == j)
            detail::fail(path, t.where_row(r), ": entry (", i, ", ", j, ") is on the diagonal; p_ii must be absent");
        const float v = detail::non_negative_cell(path, t, r, 2, "affinity");
        e[static_cast<std::size_t>(r)] = {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j), v, r};
        max_index = std::max({max_index, i, j});
    }
    const std::size_t n = points ? points : static_cast<std::size_t>(max_index + 1);
    std::sort(e.begin(), e.end(), [](const Entry& a, const Entry& b) {
        return a.i != b.i ? a.i < b.i : a.j != b.j ? a.j < b.j : a.row < b.row;
    });
    tsne::Csr<float> P;
    P.n = n;
    P.row_ptr.assign(n + 1, 0);
    P.col.reserve(e.size());
    P.val.reserve(e.size());
    for (std::size_t x = 0; x < e.size(); ++x) {
        if (x > 0 && e[x].i == e[x - 1].i && e[x].j == e[x - 1].j)
            detail::fail(path, t.where_row(e[x].row), ": entry (", e[x].i, ", ", e[x].j, ") repeats ",
                         t.where_row(e[x - 1].row));
        ++P.row_ptr[e[x].i + 1];
        P.col.push_back(e[x].j);
        P.val.push_back(e[x].v);
    }
    for (std::size_t i = 0; i < n; ++i) P.row_ptr[i + 1] += P.row_ptr[i];
    return P;
}

// ---------------------------------------------------------------------------------------------
// Writing: temp file + rename, so a failure never leaves a partial output file.
// ---------------------------------------------------------------------------------------------

namespace detail {

#if TSNEX_HAVE_MMAP
// Temporary files and signals. The temporaries of the pending output files are listed where a
// signal handler can find them: a singly linked list that only the main thread changes (nodes are
// published with a release store and never freed, only reused) and the handler walks with
// async-signal-safe calls (unlink, signal, raise) only.
struct TempNode {
    std::atomic<const char*> path{nullptr};
    TempNode* next = nullptr;
};
inline std::atomic<TempNode*>& temp_list() {
    static std::atomic<TempNode*> head{nullptr};
    return head;
}
inline std::vector<TempNode*>& free_temp_nodes() {  // main thread only
    static std::vector<TempNode*> nodes;
    return nodes;
}
/// Non-zero while outputs are being moved into place (commit_all): a signal then waits until the
/// set is complete (or rolled back), so it never leaves half of the outputs.
inline std::atomic<int>& committing() {
    static std::atomic<int> v{0};
    return v;
}
inline std::atomic<int>& deferred_signal() {
    static std::atomic<int> v{0};
    return v;
}

inline void unlink_temporaries() noexcept {
    for (TempNode* n = temp_list().load(std::memory_order_acquire); n; n = n->next)
        if (const char* p = n->path.load(std::memory_order_acquire)) ::unlink(p);
}

/// SIGINT, SIGTERM, SIGHUP, SIGPIPE: deletes the temporary files, then dies of the signal as it
/// would have without the handler (the parent sees "killed by signal").
inline void on_fatal_signal(int sig) {
    if (committing().load(std::memory_order_acquire) != 0) {
        deferred_signal().store(sig, std::memory_order_release);
        return;
    }
    unlink_temporaries();
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

/// Installs on_fatal_signal for the signals whose default action is to terminate, once, and only
/// where the disposition is still the default (an ignored SIGHUP under nohup stays ignored, a
/// program's own handler stays).
inline void install_signal_cleanup() {
    static bool installed = false;
    if (installed) return;
    installed = true;
    const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : signals) sigaddset(&sa.sa_mask, sig);
    sa.sa_flags = SA_RESTART;
    for (int sig : signals) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) != 0) continue;
        if ((old.sa_flags & SA_SIGINFO) != 0 || old.sa_handler != SIG_DFL) continue;
        ::sigaction(sig, &sa, nullptr);
    }
}

/// One temporary file in the list while set.
class TempRegistration {
public:
    TempRegistration() = default;
    TempRegistration(const TempRegistration&) = delete;
    TempRegistration& operator=(const TempRegistration&) = delete;
    ~TempRegistration() {
        if (!node_) return;
        clear();
        free_temp_nodes().push_back(node_);
    }
    /// `path` must stay valid until clear().
    void set(const char* path) {
        install_signal_cleanup();
        if (!node_) {
            auto& spare = free_temp_nodes();
            if (!spare.empty()) {
                node_ = spare.back();
                spare.pop_back();
            } else {
                node_ = new TempNode;  // never freed: a handler may be walking the list
                node_->next = temp_list().load(std::memory_order_relaxed);
                temp_list().store(node_, std::memory_order_release);
            }
        }
        node_->path.store(path, std::memory_order_release);
    }
    void clear() noexcept {
        if (node_) node_->path.store(nullptr, std::memory_order_release);
    }

private:
    TempNode* node_ = nullptr;
};

/// Holds back SIGINT/SIGTERM/SIGHUP/SIGPIPE while it lives; a signal that came meanwhile is
/// acted on (temporaries deleted, the process killed) when the last guard ends.
class CommitGuard {
public:
    CommitGuard() { committing().fetch_add(1, std::memory_order_acq_rel); }
    CommitGuard(const CommitGuard&) = delete;
    CommitGuard& operator=(const CommitGuard&) = delete;
    ~CommitGuard() {
        if (committing().fetch_sub(1, std::memory_order_acq_rel) == 1)
            if (const int sig = deferred_signal().exchange(0)) on_fatal_signal(sig);
    }
};

/// Copies everything from file descriptor `in` (from its start) to `out`; false with errno set on
/// an error.
inline bool copy_fd(int in, int out) {
    if (::lseek(in, 0, SEEK_SET) < 0) return false;
    std::vector<char> buf(1 << 16);
    for (;;) {
        const ssize_t got = ::read(in, buf.data(), buf.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return false;
        if (got == 0) return true;
        for (ssize_t done = 0; done < got;) {
            const ssize_t put = ::write(out, buf.data() + done, static_cast<std::size_t>(got - done));
            if (put < 0 && errno == EINTR) continue;
            if (put <= 0) {
                if (put == 0) errno = EIO;
                return false;
            }
            done += put;
        }
    }
}

/// Rewrites the file at `to` (the same inode: its hard links and the symlinks to it see the new
/// content, its mode and owner stay) with the content of the file at `from`. Empty on success,
/// else the reason.
inline std::string overwrite_contents(const std::string& from, const std::string& to) {
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return std::strerror(errno);
    const int out = ::open(to.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (out < 0) {
        const int e = errno;
        ::close(in);
        return std::strerror(e);
    }
    const bool copied = copy_fd(in, out);
    const int e = errno;
    ::close(in);
    const bool closed = ::close(out) == 0;
    if (!copied) return std::strerror(e);
    if (!closed) return std::strerror(errno);
    return {};
}
#else
class TempRegistration {
public:
    void set(const char*) {}
    void clear() noexcept {}
};
struct CommitGuard {};
#endif

/// `dir` + "." + `base` + `tag` + 8 random hex digits: a hidden name next to the output.
inline std::string hidden_name(const std::string& dir, const std::string& base, const char* tag) {
    static std::random_device rd;
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%s%08x", tag, static_cast<unsigned>(rd()));
    return dir + "." + base + suffix;
}

}  // namespace detail

class PendingFile;
inline void commit_all(const std::vector<PendingFile*>& files);

/// An output file written under a temporary name in the same directory and moved to its final
/// name by commit() (an existing device or pipe, e.g. /dev/null, is written in place instead).
/// Destroyed without commit() (an error, an exception) it deletes the temporary file, so the final
/// path is either untouched or complete; SIGINT, SIGTERM, SIGHUP and SIGPIPE delete it too (then
/// the process dies of the signal). Creating it early checks that the destination directory is
/// writable before any long computation. Several outputs are committed together, all or none, by
/// commit_all(). A file that is replaced keeps its mode and owner; one with other hard links, or
/// reached through a symbolic link, is rewritten in place (same inode) so the links see the new
/// content.
class PendingFile {
public:
    explicit PendingFile(std::string path) : path_(std::move(path)) {
        if (path_.empty()) throw io_error("output path is empty");
        const auto slash = path_.find_last_of('/');
        dir_ = slash == std::string::npos ? std::string() : path_.substr(0, slash + 1);
        base_ = slash == std::string::npos ? path_ : path_.substr(slash + 1);
        std::error_code ec;
        if (base_.empty() || base_ == "." || base_ == ".." || std::filesystem::is_directory(path_, ec))
            detail::fail(path_, "output path names a directory, not a file");
        // An existing device, pipe or socket (/dev/null, /dev/stdout, a FIFO) is written in place:
        // renaming a temporary file over it would replace the device node itself.
        const auto st = std::filesystem::status(path_, ec);
        if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
            errno = 0;
            file_ = std::fopen(path_.c_str(), "wb");
            if (!file_) detail::fail(path_, "cannot open for writing: ", std::strerror(errno));
            in_place_ = true;
            return;
        }
        // The cleanup signals wait while the temporary is created and registered: between the two
        // a handler would not know the file and leave it behind.
        detail::install_signal_cleanup();
        sigset_t cleanup, before;
        sigemptyset(&cleanup);
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&cleanup, sig);
        ::pthread_sigmask(SIG_BLOCK, &cleanup, &before);
        struct Restore {
            const sigset_t& mask;
            ~Restore() { ::pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
        } restore{before};
        for (int attempt = 0; attempt < 100 && !file_; ++attempt) {
            tmp_ = detail::hidden_name(dir_, base_, ".tmp");
            errno = 0;
            file_ = std::fopen(tmp_.c_str(), "wbx");  // 'x': fail if it exists (C11 exclusive mode)
            if (!file_ && errno != EEXIST) break;
        }
        if (!file_) {
            const int e = errno;
            tmp_.clear();
            detail::fail(path_, "cannot create output file: ", std::strerror(e));
        }
        reg_.set(tmp_.c_str());
    }
    PendingFile(const PendingFile&) = delete;
    PendingFile& operator=(const PendingFile&) = delete;
    ~PendingFile() { discard(); }

    std::FILE* stream() {
        if (!file_) detail::fail(path_, committed_ || finished_ ? "output already closed" : "output already discarded");
        return file_;
    }
    const std::string& path() const { return path_; }
    const std::string& temp_path() const { return tmp_; }

    /// Flushes and closes the temporary file (its descriptor is freed: a program writing many
    /// files, such as PNG frames, finishes each when written). A write error deletes it and
    /// throws. commit() then only moves it into place.
    void finish() {
        if (finished_ || committed_) return;
        if (!file_) detail::fail(path_, "output already discarded");
        const bool write_error = std::ferror(file_) != 0;
        errno = 0;
        const int close_rc = std::fclose(file_);
        file_ = nullptr;
        if (write_error || close_rc != 0) {
            const int e = errno != 0 ? errno : EIO;
            discard();
            detail::fail(path_, "write error: ", std::strerror(e));
        }
        finished_ = true;
    }

    /// Finishes the file and moves it into place (see commit_all()).
    void commit() { commit_all({this}); }

    /// Closes and deletes the temporary file (no-op after commit()).
    void discard() noexcept {
        if (committed_) return;
        if (file_) {
            std::fclose(file_);
            file_ = nullptr;
        }
        reg_.clear();
        if (!tmp_.empty() && !in_place_) std::remove(tmp_.c_str());
        tmp_.clear();
    }

private:
    friend void commit_all(const std::vector<PendingFile*>& files);
    std::string path_, dir_, base_, tmp_;
    std::FILE* file_ = nullptr;
    bool finished_ = false;
    bool committed_ = false;
    bool in_place_ = false;  ///< writing straight to an existing non-regular file (a device, a pipe)
    detail::TempRegistration reg_;
};

/// Commits several outputs, all or none. First every file is finished (a write error anywhere:
/// every temporary is deleted, no destination is touched). Then, with signals held back, each is
/// moved into place: a new file or a replaced one by rename() (the old file is kept under a hidden
/// hard link until the end; the new one gets the old one's mode and, where permitted, owner), a
/// file with other hard links or reached through a symbolic link by rewriting its content in
/// place (after a copy of the old content is kept). If any step fails, the steps already done are
/// undone in reverse (the old files renamed back or rewritten from their copies, new files
/// removed), every temporary is deleted and an io_error names the output that failed: "none"
/// means every destination is as it was before (devices such as /dev/null, written in place as
/// they go, excepted). Only if an undo itself fails (the directory became unwritable half-way)
/// does the error say which file could not be restored and where its old content is kept.
inline void commit_all(const std::vector<PendingFile*>& given) {
    std::vector<PendingFile*> files;
    for (PendingFile* f : given)
        if (f && !f->committed_) files.push_back(f);
    if (files.empty()) return;
    const auto discard_all = [&] {
        for (PendingFile* f : files) f->discard();
    };
    try {
        for (PendingFile* f : files) f->finish();
    } catch (...) {
        discard_all();
        throw;
    }
#if TSNEX_HAVE_MMAP
    const detail::CommitGuard guard;  // a signal now waits until the set is in place or rolled back
    enum class Kind { create, replace, overwrite };
    struct Step {
        PendingFile* f;
        Kind kind;
        std::string backup;  ///< replace: a hard link to the old file; overwrite: a copy of it
        bool keep = false;   ///< an undo failed: the backup holds the only old content
    };
    std::vector<Step> steps;
    std::size_t done = 0;  ///< steps[0, done) are done (the step at `done` may be partly done)
    bool partial = false;  ///< steps[done] is partly done (an overwrite that failed half-way)
    // Undoes the steps done, newest first, then removes the backups. Empty, or what could not be
    // restored.
    const auto undo = [&]() -> std::string {
        std::string lost;
        for (std::size_t i = done + (partial ? 1 : 0); i-- > 0;) {
            Step& s = steps[i];
            const std::string& p = s.f->path_;
            bool ok = true;
            if (s.kind == Kind::create) ok = ::unlink(p.c_str()) == 0;
            else if (s.kind == Kind::replace) ok = s.backup.empty() || ::rename(s.backup.c_str(), p.c_str()) == 0;
            else ok = detail::overwrite_contents(s.backup, p).empty();
            if (!ok) {
                s.keep = !s.backup.empty();
                lost += (lost.empty() ? "" : ", ") + p + (s.keep ? " (its old content is in " + s.backup + ")" : "");
            } else if (s.kind == Kind::replace) {
                s.backup.clear();  // renamed back into place
            }
        }
        for (const Step& s : steps)
            if (!s.backup.empty() && !s.keep) ::unlink(s.backup.c_str());
        steps.clear();
        done = 0;
        partial = false;
        return lost;
    };
    const auto fail = [&](PendingFile* f, const std::string& why) {
        const std::string lost = undo();
        discard_all();
        if (lost.empty()) detail::fail(f->path_, why, files.size() > 1 ? " (no output was written)" : "");
        detail::fail(f->path_, why, "; could not restore ", lost);
    };
    // Plan: what each destination is now, and a way back for each.
    for (PendingFile* f : files) {
        if (f->in_place_) continue;
        const std::string& p = f->path_;
        struct stat lst {};
        if (::lstat(p.c_str(), &lst) != 0) {
            steps.push_back(Step{f, Kind::create, {}});
            continue;
        }
        const bool link = S_ISLNK(lst.st_mode);
        struct stat st = lst;
        const bool target = !link || ::stat(p.c_str(), &st) == 0;  // false: a dangling link
        if (target && S_ISDIR(st.st_mode)) fail(f, "cannot replace a directory");
        if (target && S_ISREG(st.st_mode) && (link || st.st_nlink > 1)) {
            steps.push_back(Step{f, Kind::overwrite, {}});
            Step& step = steps.back();
            int fd = -1;
            for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
                step.backup = detail::hidden_name(f->dir_, f->base_, ".old");
                fd = ::open(step.backup.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0 && errno != EEXIST) break;
            }
            if (fd < 0) {
                const int e = errno;
                step.backup.clear();
                fail(f, std::string("cannot keep a copy of the old file: ") + std::strerror(e));
            }
            const int in = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
            const bool copied = in >= 0 && detail::copy_fd(in, fd);
            const int e = errno;
            if (in >= 0) ::close(in);
            const bool closed = ::close(fd) == 0;
            if (!copied || !closed)
                fail(f, std::string("cannot keep a copy of the old file: ") + std::strerror(copied ? errno : e));
            continue;
        }
        Step step{f, Kind::replace, {}};
        if (!link) {
            // The new file takes the old one's owner (where permitted) and mode.
            mode_t mode = st.st_mode & 07777;
            if (::chown(f->tmp_.c_str(), st.st_uid, st.st_gid) != 0) mode &= 0777;
            ::chmod(f->tmp_.c_str(), mode);
        }
        for (int attempt = 0; attempt < 100 && step.backup.empty(); ++attempt) {
            std::string b = detail::hidden_name(f->dir_, f->base_, ".old");
            if (::link(p.c_str(), b.c_str()) == 0) step.backup = std::move(b);
            else if (errno != EEXIST) break;
        }
        // No hard link possible (a file system without them): still replaced, but this one file
        // has no way back.
        steps.push_back(std::move(step));
    }
    // Do each step; the first failure undoes the ones done.
    for (; done < steps.size(); ++done) {
        PendingFile* f = steps[done].f;
        if (steps[done].kind == Kind::overwrite) {
            const std::string why = detail::overwrite_contents(f->tmp_, f->path_);
            if (!why.empty()) {
                partial = true;
                fail(f, "cannot rewrite it in place: " + why);
            }
        } else if (::rename(f->tmp_.c_str(), f->path_.c_str()) != 0) {
            fail(f, std::string("cannot rename the temporary file into place: ") + std::strerror(errno));
        }
    }
    for (const Step& s : steps) {
        if (!s.backup.empty()) ::unlink(s.backup.c_str());
        if (s.kind == Kind::overwrite) ::unlink(s.f->tmp_.c_str());  // renamed ones are gone already
    }
    for (PendingFile* f : files) {
        f->reg_.clear();
        f->tmp_.clear();
        f->committed_ = true;
    }
#else
    for (PendingFile* f : files) {
        if (f->in_place_) {
            f->committed_ = true;
            continue;
        }
        if (std::rename(f->tmp_.c_str(), f->path_.c_str()) != 0) {
            const int e = errno;
            discard_all();
            detail::fail(f->path_, "cannot rename the temporary file into place: ", std::strerror(e));
        }
        f->committed_ = true;
    }
#endif
}

/// A stream buffer writing to a PendingFile, for writers that take a std::ostream (such as
/// tsne::Run::save): `PendingFileBuf buf(out); std::ostream os(&buf);`. A short write fails the
/// stream; PendingFile::commit() reports it again with the system's reason.
class PendingFileBuf : public std::streambuf {
public:
    explicit PendingFileBuf(PendingFile& out) : f_(out.stream()) {}

protected:
    int_type overflow(int_type ch) override {
        if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
        return std::fputc(traits_type::to_char_type(ch), f_) == EOF ? traits_type::eof() : ch;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        return static_cast<std::streamsize>(std::fwrite(s, 1, static_cast<std::size_t>(n), f_));
    }

private:
    std::FILE* f_;
};

/// Writes Y as CSV (one point per line, comma-separated) to an open stream; %.9g for float
/// (round-trips exactly), %.17g for double.
template <class Derived>
void write_csv_rows(std::FILE* f, const Eigen::DenseBase<Derived>& Y) {
    using S = typename Derived::Scalar;
    const char* fmt = std::is_same_v<S, float> ? "%.9g" : "%.17g";
    for (Eigen::Index i = 0; i < Y.rows(); ++i) {
        for (Eigen::Index j = 0; j < Y.cols(); ++j) {
            if (j) std::fputc(',', f);
            std::fprintf(f, fmt, static_cast<double>(Y(i, j)));
        }
        std::fputc('\n', f);
    }
}

/// Writes Y as CSV to `path` atomically (temporary file, then rename). "-" writes to stdout.
template <class Derived>
void write_csv(const std::string& path, const Eigen::DenseBase<Derived>& Y) {
    if (path == "-") {
        write_csv_rows(stdout, Y);
        if (std::fflush(stdout) != 0 || std::ferror(stdout)) throw io_error("stdout: write error");
        return;
    }
    PendingFile out(path);
    write_csv_rows(out.stream(), Y);
    out.commit();
}

/// Writes raw bytes to an open stream, throwing on a short write.
inline void write_bytes(PendingFile& out, const void* data, std::size_t size) {
    if (size > 0 && std::fwrite(data, 1, size, out.stream()) != size)
        detail::fail(out.path(), "write error: ", std::strerror(errno));
}


/// Writes a float or double matrix as a C-order .npy array (format 1.0, '<f4' or '<f8').
template <class Derived>
void write_npy_rows(PendingFile& out, const Eigen::DenseBase<Derived>& Y) {
    using S = typename Derived::Scalar;
    static_assert(std::is_same_v<S, float> || std::is_same_v<S, double>, "write_npy_rows: float or double");
    std::string header = std::string("{'descr': '") + (std::is_same_v<S, float> ? "<f4" : "<f8") +
                         "', 'fortran_order': False, 'shape': (" + std::to_string(Y.rows()) + ", " +
                         std::to_string(Y.cols()) + "), }";
    const std::size_t total = 10 + header.size() + 1;
    header += std::string((64 - total % 64) % 64, ' ') + "\n";
    if (header.size() > 65535) detail::fail(out.path(), ".npy header too long");
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    pre[8] = static_cast<unsigned char>(header.size() & 0xff);
    pre[9] = static_cast<unsigned char>(header.size() >> 8);
    write_bytes(out, pre, sizeof pre);
    write_bytes(out, header.data(), header.size());
    const std::uint16_t probe = 1;
    unsigned char little = 0;
    std::memcpy(&little, &probe, 1);
    std::vector<S> row(static_cast<std::size_t>(Y.cols()));
    for (Eigen::Index i = 0; i < Y.rows(); ++i) {
        for (Eigen::Index j = 0; j < Y.cols(); ++j) row[static_cast<std::size_t>(j)] = Y(i, j);
        if (!little)
            for (S& v : row) {
                auto* b = reinterpret_cast<unsigned char*>(&v);
                std::reverse(b, b + sizeof v);
            }
        write_bytes(out, row.data(), row.size() * sizeof(S));
    }
}

/// Writes Y to a pending file: .npy (float32/float64 as Y) when its path ends in .npy, else CSV.
template <class Derived>
void write_matrix(PendingFile& out, const Eigen::DenseBase<Derived>& Y) {
    if (is_npy_path(out.path())) write_npy_rows(out, Y);
    else write_csv_rows(out.stream(), Y);
}

/// Writes a kNN graph in the format read_knn_graph() reads: N rows of k indices then k
/// distances. CSV (distances %.9g for float, %.17g for double: exact round trips) or, when the
/// path ends in .npy, a float64 C-order .npy array (exact for indices up to 2^53).
template <class T>
void write_knn_graph(PendingFile& out, const tsne::KnnGraph<T>& g) {
    const std::size_t n = g.n, k = g.k;
    if (is_npy_path(out.path())) {
        tsne::RowMatrix<double> rows(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(2 * k));
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t m = 0; m < k; ++m) {
                rows(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(m)) = static_cast<double>(g.index[i * k + m]);
                rows(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k + m)) = static_cast<double>(g.distance[i * k + m]);
            }
        write_npy_rows(out, rows);
        return;
    }
    const char* fmt = std::is_same_v<T, float> ? "%.9g" : "%.17g";
    std::FILE* f = out.stream();
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t m = 0; m < k; ++m) std::fprintf(f, m ? ",%u" : "%u", static_cast<unsigned>(g.index[i * k + m]));
        for (std::size_t m = 0; m < k; ++m) {
            std::fputc(',', f);
            std::fprintf(f, fmt, static_cast<double>(g.distance[i * k + m]));
        }
        std::fputc('\n', f);
    }
}

}  // namespace tsnex
