#pragma once
// Observing the process's threads (Linux /proc), to check that no worker outlives an executor and
// that workers are idle (asleep) after an exception. On other systems the checks report "unknown".
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace testing {

/// Thread ids of this process (empty when unknown).
inline std::vector<long> process_threads() {
    std::vector<long> ids;
#if defined(__linux__)
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') ids.push_back(std::stol(e->d_name));
        closedir(d);
    }
#endif
    return ids;
}

inline bool can_observe_threads() { return !process_threads().empty(); }

/// The process's thread count once threads that were just joined have left /proc/self/task (the
/// kernel lists a thread for a moment after pthread_join returns): the smallest count seen over
/// `window`, since a lingering thread only adds.
inline std::size_t settled_thread_count(std::chrono::milliseconds window = std::chrono::milliseconds(50)) {
    std::size_t n = process_threads().size();
    const auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - t0 < window) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        n = std::min(n, process_threads().size());
    }
    return n;
}

/// Waits up to `timeout` for the process to have exactly `n` threads.
inline bool thread_count_becomes(std::size_t n, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    const auto t0 = std::chrono::steady_clock::now();
    for (;;) {
        if (process_threads().size() == n) return true;
        if (std::chrono::steady_clock::now() - t0 > timeout) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

/// Waits up to `timeout` until every thread but the caller is asleep (state S or D in
/// /proc/self/task/<tid>/stat): idle workers block on a condition variable after a short spin.
inline bool other_threads_idle(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
#if defined(__linux__)
    const long self = static_cast<long>(syscall(SYS_gettid));
    const auto t0 = std::chrono::steady_clock::now();
    for (;;) {
        bool all = true;
        for (long id : process_threads()) {
            if (id == self) continue;
            std::ifstream f("/proc/self/task/" + std::to_string(id) + "/stat");
            std::string stat;
            std::getline(f, stat);
            const auto close = stat.rfind(')');
            if (close == std::string::npos || close + 2 >= stat.size()) continue;  // exited meanwhile
            const char state = stat[close + 2];
            if (state != 'S' && state != 'D') all = false;
        }
        if (all) return true;
        if (std::chrono::steady_clock::now() - t0 > timeout) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
#else
    (void)timeout;
    return true;
#endif
}

}  // namespace testing
