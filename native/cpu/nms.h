// Greedy non-maximum suppression with torchvision's rule (torchvision/csrc/ops/cpu/nms_kernel.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trtjs::cpu {

// boxes: n x (x1, y1, x2, y2). Boxes whose score is not > scoreThreshold (NaN included) are dropped first. The rest
// are visited by descending score, equal scores in index order (a stable sort), and a visited box drops every later
// one whose IoU with it is > iouThreshold. IoU is computed in float exactly as torchvision's CPU kernel does: area =
// (x2 - x1) * (y2 - y1), inter = max(0, min(x2) - max(x1)) * max(0, min(y2) - max(y1)), iou = inter / (a + b - inter),
// and compared with the threshold as a double, as the kernel's `double iou_threshold` does. With `classes`, only
// boxes of the same class suppress each other (torchvision's batched_nms, exact per class). Returns the kept indices,
// best first, at most maxDet of them (maxDet <= 0: all).
std::vector<int32_t> nms(const float* boxes, const float* scores, const int32_t* classes, size_t n, double iouThreshold, float scoreThreshold, int maxDet);

}  // namespace trtjs::cpu
