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
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "../error.hpp"

namespace tsne {

class Executor {
public:
    /// threads = 0: std::thread::hardware_concurrency() (at least 1).
    explicit Executor(unsigned threads = 0) {
        if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
        threads_ = threads;
        workers_.reserve(threads - 1);
        try {
            for (unsigned t = 1; t < threads; ++t) workers_.emplace_back([this] { worker_loop(); });
        } catch (...) {
            shutdown();
            throw;
        }
    }
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
        busy_ = static_cast<unsigned>(workers_.size());
        ++generation_;
        lock.unlock();
        wake_.notify_all();
        run_blocks();
        lock.lock();
        done_.wait(lock, [&] { return busy_ == 0; });
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

    void worker_loop() {
        std::size_t seen = 0;
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            lock.unlock();
            run_blocks();
            lock.lock();
            if (--busy_ == 0) done_.notify_one();
        }
    }

    void shutdown() noexcept {
        {
            std::lock_guard<std::mutex> g(mutex_);
            stop_ = true;
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
    unsigned busy_ = 0;
    std::size_t generation_ = 0;
    bool stop_ = false;
};

}  // namespace tsne
