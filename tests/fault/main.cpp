// doctest runner for the allocation-failure tests, with a replaced global operator new/delete.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <malloc.h>
#include <new>

#include "fault/fault.hpp"

namespace {
std::atomic<long> countdown{0};  // > 0: armed, the allocation that brings it to 0 fails
std::atomic<bool> fired_flag{false}, fired_nothrow_flag{false};
std::atomic<long> calls{0};
std::atomic<long long> live{0};

bool should_fail() {
    calls.fetch_add(1, std::memory_order_relaxed);
    long c = countdown.load(std::memory_order_relaxed);
    while (c > 0) {
        if (countdown.compare_exchange_weak(c, c - 1, std::memory_order_relaxed)) {
            if (c == 1) {
                fired_flag = true;
                return true;
            }
            return false;
        }
    }
    return false;
}

void* allocate(std::size_t size, std::size_t align, bool nothrow) {
    if (should_fail()) {
        fired_nothrow_flag = nothrow;
        if (nothrow) return nullptr;
        throw std::bad_alloc();
    }
    if (size == 0) size = 1;
    void* p = nullptr;
    if (align <= alignof(std::max_align_t)) {
        p = std::malloc(size);
    } else if (posix_memalign(&p, align, size) != 0) {
        p = nullptr;
    }
    if (!p) {
        if (nothrow) return nullptr;
        throw std::bad_alloc();
    }
    live.fetch_add(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
    return p;
}

void release(void* p) noexcept {
    if (!p) return;
    live.fetch_sub(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
    std::free(p);
}
}  // namespace

namespace fault {
void arm(long k) {
    fired_flag = false;
    fired_nothrow_flag = false;
    countdown = k;
}
void disarm() { countdown = 0; }
bool fired() { return fired_flag; }
bool fired_nothrow() { return fired_nothrow_flag; }
long allocations() { return calls.load(); }
void reset_count() { calls = 0; }
long long live_bytes() { return live.load(); }
}  // namespace fault

void* operator new(std::size_t n) { return allocate(n, 0, false); }
void* operator new[](std::size_t n) { return allocate(n, 0, false); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate(n, 0, true); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate(n, 0, true); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a), false); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a), false); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return allocate(n, static_cast<std::size_t>(a), true);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return allocate(n, static_cast<std::size_t>(a), true);
}
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
