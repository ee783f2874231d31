#pragma once
// A small, portable random generator (splitmix64 seeding + xoshiro256**) and a Box-Muller normal.
// std::normal_distribution is implementation-defined, so a seed would not mean the same result on
// every standard library; this does.
#include <cmath>
#include <cstdint>

namespace tsne::detail {

class Rng {
public:
    explicit Rng(std::uint64_t seed) noexcept {
        for (auto& s : s_) s = splitmix(seed);
    }
    std::uint64_t next() noexcept {
        const std::uint64_t r = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return r;
    }
    /// Uniform in (0, 1).
    double uniform() noexcept { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
    /// Standard normal (Box-Muller; one value per call, deterministic).
    double normal() noexcept {
        const double u1 = uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925 * u2);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::uint64_t s_[4];
};

}  // namespace tsne::detail
