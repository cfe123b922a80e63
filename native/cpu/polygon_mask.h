// Ground-truth instance masks as Ultralytics' segment validator builds them (data/utils.py polygon2mask and
// polygons2masks_overlap): each polygon, its vertices truncated to int32, filled with cv2.fillPoly (8-connected
// outline plus OpenCV's fixed-point scanline fill) at the model-input size, cv2.resize'd (INTER_LINEAR) to
// 1/downsample, then, with overlap, masks sorted by decreasing area and each pixel given to the smallest mask that
// covers it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cpu/segment.h"

namespace trtjs::cpu {

// cv2.fillPoly(img, [pts], 1) for one polygon of `count` int vertices (x, y) on a width x height 8-bit image.
// Vertices must lie within +-2^24 of the image (further out, the 16.16 fixed-point edge arithmetic could overflow).
void fillPolygon(uint8_t* img, int width, int height, const int32_t* pts, size_t count);

// Masks of `sizes.size()` polygons whose float vertices (x, y in model-input pixels) follow each other in `coords`.
// Returns them in `out` (frame width/downsample x height/downsample) in the order of `order` (filled with the
// polygon index of each returned mask: by decreasing area when `overlap`, else the given order).
void polygonMasks(const float* coords, const std::vector<int32_t>& sizes, int width, int height, int downsample, bool overlap, CompactMasks& out,
                  std::vector<int32_t>& order);

// mask_iou: n1 x n2 intersection over union of two mask sets in the same frame (0 where both are empty).
void maskIou(const CompactMasks& a, const CompactMasks& b, float* out);

}  // namespace trtjs::cpu
