#pragma once
// A flag that a move clears: the moved-from Run / TransformRun refuses to work (tsne::logic_error)
// instead of reading storage it handed over.
namespace tsne::detail {

/// Marks an object as moved from: moving it (construction or assignment) leaves the source
/// `false`, so a member can refuse to work on storage that was handed over (Run, TransformRun).
struct Live {
    bool value = true;
    Live() = default;
    Live(const Live&) = default;
    Live& operator=(const Live&) = default;
    Live(Live&& o) noexcept : value(o.value) { o.value = false; }
    Live& operator=(Live&& o) noexcept {
        if (this != &o) {
            value = o.value;
            o.value = false;
        }
        return *this;
    }
    explicit operator bool() const noexcept { return value; }
};

}  // namespace tsne::detail
