#pragma once
/// Primary rays of a pinhole camera, one through the centre of each pixel.
#include <cmath>

#include <glm/geometric.hpp>

#include "renderer/geometry.h"

namespace txray {

class CameraRays {
 public:
  CameraRays(const Camera& camera, int width, int height)
      : origin_(camera.position), inv_width_(1.0f / static_cast<float>(width)),
        inv_height_(1.0f / static_cast<float>(height)) {
    const Vec3 forward = glm::normalize(camera.look_at - camera.position);
    const Vec3 right = glm::normalize(glm::cross(forward, camera.up));
    const Vec3 up = glm::cross(right, forward);
    const float half_height = std::tan(camera.vfov_degrees * 0.5f * 3.14159265358979f / 180.0f);
    const float half_width = half_height * static_cast<float>(width) / static_cast<float>(height);
    forward_ = forward;
    right_ = right * half_width;
    up_ = up * half_height;
  }

  /// The ray through pixel (x, y); row 0 is the top of the image.
  [[nodiscard]] Ray primary(int x, int y) const {
    const float u = 2.0f * (static_cast<float>(x) + 0.5f) * inv_width_ - 1.0f;
    const float v = 1.0f - 2.0f * (static_cast<float>(y) + 0.5f) * inv_height_;
    return {origin_, glm::normalize(forward_ + u * right_ + v * up_)};
  }

 private:
  Vec3 origin_;
  Vec3 forward_{0.0f}, right_{0.0f}, up_{0.0f};
  float inv_width_, inv_height_;
};

}  // namespace txray
