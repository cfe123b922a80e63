// Outer contours of a binary mask as OpenCV 4.x's findContours(mask, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE) gives them:
// Suzuki-Abe border following on a copy padded with one zero pixel, outer borders of components that do not lie in
// another component's hole, vertices where the chain direction changes, contours in OpenCV's order (last found first).
// Ultralytics' masks2segments turns these into instance polygons (masks.xy).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trtjs::cpu {

struct Contours {
  std::vector<int32_t> points;  // x, y pairs of every contour, one after another
  std::vector<int32_t> sizes;   // points per contour
};

// `mask`: width x height bytes, row stride `stride`; nonzero is inside. Coordinates are pixels of the mask plus
// (offsetX, offsetY), so a window of a larger frame can report frame coordinates. Replaces `out`'s contents.
void findExternalContours(const uint8_t* mask, int width, int height, size_t stride, int offsetX, int offsetY, Contours& out);

}  // namespace trtjs::cpu
