#pragma once
// Exceptions thrown by tsne. Every message names the parameter (or input) and the bad value.
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace tsne {

/// A caller-supplied value or input is unusable (bad shape, NaN, perplexity too large, ...).
class invalid_argument : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Something went wrong while running (e.g. numeric overflow that no input check could foresee).
class runtime_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The library was used in a way its contract rules out (e.g. a Run used after being moved from).
class logic_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

namespace detail {
template <class E, class... Parts>
[[noreturn]] void throw_with(Parts&&... parts) {
    std::ostringstream s;
    s.precision(17);
    (s << ... << std::forward<Parts>(parts));
    throw E(s.str());
}
/// Throws tsne::invalid_argument with the concatenation of `parts`.
template <class... Parts>
[[noreturn]] void fail(Parts&&... parts) {
    throw_with<tsne::invalid_argument>(std::forward<Parts>(parts)...);
}
}  // namespace detail

#ifdef NDEBUG
#define TSNE_ASSERT(cond) ((void)0)
#else
#define TSNE_ASSERT(cond)                                                                   \
    ((cond) ? (void)0                                                                        \
            : ::tsne::detail::throw_with<::tsne::runtime_error>("tsne internal assertion failed: " #cond \
                                                              " at " __FILE__ ":", __LINE__))
#endif

}  // namespace tsne
