#pragma once
/// The project's own seeded generator (PCG32, O'Neill 2014). Every random
/// choice in txray — scene layouts, test rays — comes from here, so results
/// do not depend on the standard library's implementation of rand() or of
/// the <random> distributions.
#include <cstdint>

namespace txray {

class Pcg32 {
 public:
  explicit Pcg32(std::uint64_t seed, std::uint64_t stream = 0x853c49e6748fea9bULL)
      : inc_((stream << 1u) | 1u) {
    next_u32();
    state_ += seed;
    next_u32();
  }

  std::uint32_t next_u32() {
    std::uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
    auto rot = static_cast<std::uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
  }

  /// Uniform in [0, 1), 24 random bits: exact in float.
  float next_float() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }

  /// Uniform in [lo, hi).
  float uniform(float lo, float hi) { return lo + (hi - lo) * next_float(); }

 private:
  std::uint64_t state_ = 0;
  std::uint64_t inc_;
};

}  // namespace txray
