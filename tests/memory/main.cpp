// doctest runner for the memory tests, with malloc & co. interposed to count live bytes. glibc
// only (its __libc_* entry points); not built under sanitizers (see tests/CMakeLists.txt).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <malloc.h>

#include "memory/counting.hpp"

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<long long> live_bytes{0}, peak_bytes{0};

void* counted(void* p) {
    if (p) {
        const long long now =
            live_bytes.fetch_add(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed) +
            static_cast<long long>(malloc_usable_size(p));
        long long peak = peak_bytes.load(std::memory_order_relaxed);
        while (now > peak && !peak_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
        }
    }
    return p;
}
void uncount(void* p) {
    if (p) live_bytes.fetch_sub(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
}
}  // namespace

namespace memcount {
long long live() { return live_bytes.load(); }
long long peak() { return peak_bytes.load(); }
void reset_peak() { peak_bytes = live_bytes.load(); }
}  // namespace memcount

extern "C" {
void* malloc(std::size_t n) { return counted(__libc_malloc(n)); }
void* calloc(std::size_t n, std::size_t m) { return counted(__libc_calloc(n, m)); }
void* realloc(void* p, std::size_t n) {
    uncount(p);
    void* q = __libc_realloc(p, n);
    if (!q && n != 0) counted(p);  // failed: p is still allocated
    return counted(q);
}
void free(void* p) {
    uncount(p);
    __libc_free(p);
}
void* memalign(std::size_t a, std::size_t n) { return counted(__libc_memalign(a, n)); }
void* aligned_alloc(std::size_t a, std::size_t n) { return counted(__libc_memalign(a, n)); }
int posix_memalign(void** out, std::size_t a, std::size_t n) {
    if (a < sizeof(void*) || (a & (a - 1)) != 0) return EINVAL;
    void* p = counted(__libc_memalign(a, n));
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
}
