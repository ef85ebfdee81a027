#pragma once
/// TXRAY_DCHECK(cond) and TXRAY_DCHECK(cond, "format", args...): an
/// invariant the code relies on, checked where pbrt puts its DCHECKs and
/// Embree its asserts (stack pushes, a built tree's shape, a transaction
/// descriptor's state). On failure it prints one line naming the file, the
/// line, the condition and the optional printf-style message, and aborts.
///
/// Active when NDEBUG is not defined: the debug, asan and tsan presets.
/// The release preset defines NDEBUG, and there the condition and the
/// message are not evaluated at all (they appear only inside sizeof), so a
/// check may sit on the hottest path and costs nothing in the build every
/// figure comes from. Define TXRAY_DCHECK_ENABLED to 0 or 1 to override.
///
/// It lives in concurrency/, the lowest layer, so that every folder can use
/// it without an upward dependency; standard library only, like the rest
/// of this folder's own models.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#if !defined(TXRAY_DCHECK_ENABLED)
#if defined(NDEBUG)
#define TXRAY_DCHECK_ENABLED 0
#else
#define TXRAY_DCHECK_ENABLED 1
#endif
#endif

namespace txray {

/// Whether TXRAY_DCHECK checks in this translation unit (tests assert it,
/// so that checks cannot be compiled out of the debug build unnoticed).
/// Not `inline`: internal linkage, so a translation unit that overrides
/// TXRAY_DCHECK_ENABLED (the test of the release form does) has its own.
constexpr bool kDchecksEnabled = TXRAY_DCHECK_ENABLED != 0;

namespace dcheck_detail {

// Out of line and cold, so that a check on a hot path adds one compare and
// a never-taken branch, not the formatting code.
[[noreturn, gnu::cold, gnu::noinline]] inline void failed(const char* file, int line, const char* cond) noexcept {
  std::fprintf(stderr, "txray: DCHECK failed at %s:%d: %s\n", file, line, cond);
  std::fflush(stderr);
  std::abort();
}

[[noreturn, gnu::cold, gnu::noinline, gnu::format(printf, 4, 5)]] inline void failed(const char* file, int line,
                                                                                   const char* cond,
                                                                                   const char* format, ...) noexcept {
  std::fprintf(stderr, "txray: DCHECK failed at %s:%d: %s: ", file, line, cond);
  std::va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace dcheck_detail
}  // namespace txray

#if TXRAY_DCHECK_ENABLED
#define TXRAY_DCHECK(cond, ...)                                     \
  (__builtin_expect(static_cast<bool>(cond), 1)                     \
       ? static_cast<void>(0)                                       \
       : ::txray::dcheck_detail::failed(__FILE__, __LINE__, #cond __VA_OPT__(, ) __VA_ARGS__))
#else
// Unevaluated: names used only in checks still count as used (no warning).
#define TXRAY_DCHECK(cond, ...) static_cast<void>(sizeof(static_cast<bool>(cond)))
#endif
