#pragma once
// Allocation fault injection for tsne_fault_tests: fault/main.cpp replaces the global operator new
// and delete (every form); once armed with k, the k-th call of operator new (on any thread) fails
// (std::bad_alloc, or nullptr for the nothrow forms) and the injection disarms itself. Live bytes
// (by malloc_usable_size) are tracked so a test can check that nothing leaked.
#include <cstddef>

namespace fault {

/// Fail the k-th operator new from now on (k >= 1); 0 disarms.
void arm(long k);
void disarm();
/// Whether the armed failure has happened since the last arm().
bool fired();
/// Whether that failure was of a nothrow form (nullptr returned: e.g. std::stable_sort's buffer,
/// which falls back to an in-place algorithm, so no exception is expected).
bool fired_nothrow();
/// operator new calls since the last reset_count().
long allocations();
void reset_count();
/// Bytes currently allocated through operator new.
long long live_bytes();

}  // namespace fault
