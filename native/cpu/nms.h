// Greedy non-maximum suppression with torchvision's rule.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trtjs::cpu {

// boxes: n x (x1, y1, x2, y2). Visits boxes by descending score (equal scores: lower index first) and drops a
// box whose IoU with a kept one is > iouThreshold, computed in float like torchvision's CPU kernel. With
// `classes`, only boxes of the same class suppress each other. Boxes with score <= scoreThreshold (or NaN) are
// skipped first. Returns kept indices, best first, at most maxDet (<= 0: all).
std::vector<int32_t> nms(const float* boxes, const float* scores, const int32_t* classes, size_t n, float iouThreshold,
                         float scoreThreshold, int maxDet);

}  // namespace trtjs::cpu
