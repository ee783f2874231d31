#pragma once
// A small persistent thread pool. Work is cut into fixed-size blocks of items that any thread may
// take in any order; kernels write per-item results or per-block partials and reduce the partials
// in block order (see parallel_for.hpp), so results are bit-identical for any thread count.
//
// Thread-safety: one Executor runs one parallel_for at a time; a parallel_for called from inside a
// running block runs serially on the calling thread. An exception thrown by a block is rethrown
// to the caller after every thread has finished its current block; later blocks are skipped.
//
// Any type with `unsigned threads() const` and
// `template <class F> void parallel_for(std::size_t n_items, std::size_t block, F&& fn)`
// (fn(begin, end) for each block [begin, end) of [0, n_items)) can replace it: see policies.hpp.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>
#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <signal.h>
#endif

#include "../error.hpp"

namespace tsne {

class Executor {
public:
    /// threads = 0: std::thread::hardware_concurrency() (at least 1). At most max_threads()
    /// (e.g. --threads 100000 gets that many); and when the system refuses to start another thread
    /// (std::system_error, e.g. a process limit), the pool keeps the workers it has. Results do not
    /// depend on the count, so neither changes them; threads() tells the count in use.
    explicit Executor(unsigned threads = 0) {
        if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
        threads = std::min(threads, max_threads());
        workers_.reserve(threads - 1);
        try {
            for (unsigned t = 1; t < threads; ++t) workers_.emplace_back([this] { worker_loop(); });
        } catch (const std::system_error&) {
            // fewer workers than asked: carry on with those started
        } catch (...) {
            shutdown();
            throw;
        }
        threads_ = static_cast<unsigned>(workers_.size()) + 1;
    }
    /// The most threads a pool uses: 2 per hardware thread, at least 8. More only cost memory,
    /// start-up time and the idle workers' spinning after every parallel_for (a review measured
    /// nothing, but 64 spinning workers on 2 cores are far slower than 2), and thousands may fail
    /// to start.
    static unsigned max_threads() noexcept { return std::max(8u, 2u * std::thread::hardware_concurrency()); }
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;
    ~Executor() { shutdown(); }

    unsigned threads() const noexcept { return threads_; }

    /// Calls fn(begin, end) for every block [b*block, min((b+1)*block, n_items)).
    template <class F>
    void parallel_for(std::size_t n_items, std::size_t block, F&& fn) {
        if (n_items == 0) return;
        if (block == 0) block = 1;
        const std::size_t n_blocks = (n_items + block - 1) / block;
        if (threads_ == 1 || n_blocks == 1 || inside_block()) {
            BlockGuard guard;
            for (std::size_t b = 0; b < n_blocks; ++b) fn(b * block, std::min(n_items, (b + 1) * block));
            return;
        }
        std::function<void(std::size_t)> job = [&](std::size_t b) {
            fn(b * block, std::min(n_items, (b + 1) * block));
        };
        std::unique_lock<std::mutex> lock(mutex_);
        job_ = &job;
        n_blocks_ = n_blocks;
        next_.store(0, std::memory_order_relaxed);
        error_ = nullptr;
        failed_.store(false, std::memory_order_relaxed);
        busy_.store(static_cast<unsigned>(workers_.size()), std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
        lock.unlock();
        wake_.notify_all();
        run_blocks();
        // Spin briefly (workers usually finish within microseconds), then sleep.
        spin_until([&] { return busy_.load(std::memory_order_acquire) == 0; });
        lock.lock();
        done_.wait(lock, [&] { return busy_.load(std::memory_order_acquire) == 0; });
        job_ = nullptr;
        if (error_) {
            std::exception_ptr e = error_;
            error_ = nullptr;
            std::rethrow_exception(e);
        }
    }

private:
    struct BlockGuard {
        BlockGuard() { ++depth(); }
        ~BlockGuard() { --depth(); }
    };
    static int& depth() {
        thread_local int d = 0;
        return d;
    }
    static bool inside_block() { return depth() > 0; }

    void run_blocks() {
        BlockGuard guard;
        for (;;) {
            if (failed_.load(std::memory_order_relaxed)) return;
            const std::size_t b = next_.fetch_add(1, std::memory_order_relaxed);
            if (b >= n_blocks_) return;
            try {
                (*job_)(b);
            } catch (...) {
                std::lock_guard<std::mutex> g(mutex_);
                if (!error_) error_ = std::current_exception();
                failed_.store(true, std::memory_order_relaxed);
            }
        }
    }

    /// Busy-waits up to spin_time for pred(); a t-SNE iteration calls parallel_for several times
    /// in a row, and waking a sleeping thread costs tens of microseconds.
    template <class Pred>
    static void spin_until(Pred pred) {
        const auto t0 = std::chrono::steady_clock::now();
        for (unsigned k = 1;; ++k) {
            if (pred()) return;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
            if ((k & 255u) == 0 && std::chrono::steady_clock::now() - t0 > spin_time) return;
        }
    }
    static constexpr std::chrono::microseconds spin_time{200};

    /// Workers never take asynchronous signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE): the
    /// thread that called the library does, so a program's handler (e.g. the CLI's clean-up of
    /// its temporary files) runs on the thread whose state it knows. Fault signals (SIGSEGV,
    /// SIGBUS) stay unblocked: they belong to the thread that faulted.
    static void block_async_signals() noexcept {
#if defined(__unix__) || defined(__APPLE__)
        sigset_t set;
        sigemptyset(&set);
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) sigaddset(&set, s);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
#endif
    }

    void worker_loop() {
        block_async_signals();
        std::size_t seen = 0;
        for (;;) {
            spin_until([&] {
                return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
            });
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] {
                    return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
                });
            }
            if (stop_.load(std::memory_order_acquire)) return;
            seen = generation_.load(std::memory_order_acquire);
            run_blocks();
            if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                std::lock_guard<std::mutex> g(mutex_);  // pairs with the caller's predicate check
                done_.notify_one();
            }
        }
    }

    void shutdown() noexcept {
        {
            std::lock_guard<std::mutex> g(mutex_);
            stop_.store(true, std::memory_order_release);
        }
        wake_.notify_all();
        for (auto& w : workers_)
            if (w.joinable()) w.join();
        workers_.clear();
    }

    unsigned threads_ = 1;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::function<void(std::size_t)>* job_ = nullptr;
    std::size_t n_blocks_ = 0;
    std::atomic<std::size_t> next_{0};
    std::atomic<bool> failed_{false};
    std::exception_ptr error_;
    std::atomic<unsigned> busy_{0};
    std::atomic<std::size_t> generation_{0};
    std::atomic<bool> stop_{false};
};

}  // namespace tsne
