#pragma once
// Byte counting for tsne_memory_tests: memory/main.cpp interposes malloc, calloc, realloc, free and
// the aligned forms (operator new and xsimd's aligned allocator both end there) and keeps the live
// byte count (malloc_usable_size) and its peak.
namespace memcount {

long long live();
long long peak();
/// Sets the peak to the current live count.
void reset_peak();

}  // namespace memcount
