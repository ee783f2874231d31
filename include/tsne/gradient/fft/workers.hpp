#pragma once
// Scratch of FFT interpolation's transforms: a Worker holds the buffers of one running block and
// the backend's per-thread state; a WorkerPool hands them out per block, so at most one per
// concurrently running block is ever created, whatever the executor's thread count.
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "backend.hpp"
#include "lengths.hpp"

namespace tsne {
namespace fft_detail {

/// Scratch for one concurrently running block: four arrays of `size` values (64-byte aligned) and
/// the FFT backend's per-thread state for length L.
template <class F>
class Worker {
public:
    Worker(std::size_t size, std::size_t L)
        : x_(2 * size), y_(2 * size), xr(x_.data()), xi(x_.data() + size), yr(y_.data()), yi(y_.data() + size),
          fft(L) {}
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

private:
    avector<F> x_, y_;

public:
    /// Split-complex input and output: the imaginary parts follow the real ones at a distance of
    /// `size` values, the layout FFTW's plans are made for (FFTW requires the same real-imaginary
    /// separation at execution as at planning).
    F *xr, *xi, *yr, *yi;
    typename Transform<F>::Scratch fft;
};

/// Workers handed out per block and returned afterwards: at most one per concurrently running
/// block is ever created, and they persist until the grid size changes.
template <class F>
class WorkerPool {
public:
    /// Drops the workers; new ones get `size` values per buffer.
    void reset(std::size_t size, std::size_t L) {
        std::lock_guard<std::mutex> g(mutex_);
        free_.clear();
        created_ = 0;
        size_ = size;
        L_ = L;
    }

    class Lease {
    public:
        Lease(WorkerPool& pool, std::unique_ptr<Worker<F>> w) : pool_(&pool), w_(std::move(w)) {}
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() { pool_->give_back(std::move(w_)); }
        Worker<F>& operator*() noexcept { return *w_; }
        Worker<F>* operator->() noexcept { return w_.get(); }

    private:
        WorkerPool* pool_;
        std::unique_ptr<Worker<F>> w_;
    };

    Lease acquire() {
        {
            std::lock_guard<std::mutex> g(mutex_);
            if (!free_.empty()) {
                auto w = std::move(free_.back());
                free_.pop_back();
                return Lease(*this, std::move(w));
            }
            // Room for this worker's return now, so give_back never allocates (an allocation
            // failure surfaces here, to the caller, instead of being swallowed on the way back).
            free_.reserve(created_ + 1);
            ++created_;
        }
        return Lease(*this, std::make_unique<Worker<F>>(size_, L_));
    }

private:
    void give_back(std::unique_ptr<Worker<F>> w) noexcept {
        std::lock_guard<std::mutex> g(mutex_);
        if (free_.size() < free_.capacity()) free_.push_back(std::move(w));  // never reallocates (acquire)
    }
    std::mutex mutex_;
    std::vector<std::unique_ptr<Worker<F>>> free_;
    std::size_t size_ = 0, L_ = 0, created_ = 0;
};

}  // namespace fft_detail
}  // namespace tsne
