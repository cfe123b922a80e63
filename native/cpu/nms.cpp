#include "cpu/nms.h"

#include <algorithm>
#include <cmath>

namespace trtjs::cpu {

std::vector<int32_t> nms(const float* boxes, const float* scores, const int32_t* classes, size_t n, double iouThreshold, float scoreThreshold, int maxDet) {
  std::vector<int32_t> order;
  order.reserve(n);
  for (size_t i = 0; i < n; ++i)
    if (scores[i] > scoreThreshold) order.push_back(static_cast<int32_t>(i));  // NaN compares false: dropped
  std::stable_sort(order.begin(), order.end(), [scores](int32_t a, int32_t b) { return scores[a] > scores[b]; });

  const size_t m = order.size();
  const size_t limit = maxDet > 0 ? static_cast<size_t>(maxDet) : m;
  std::vector<int32_t> keep;
  keep.reserve(std::min(limit, m));
  if (m == 0) return keep;

  // Gathered in visiting order so the inner loop reads memory sequentially.
  std::vector<float> x1(m), y1(m), x2(m), y2(m), area(m);
  std::vector<int32_t> cls(classes ? m : 0);
  for (size_t k = 0; k < m; ++k) {
    const float* b = boxes + static_cast<size_t>(order[k]) * 4;
    x1[k] = b[0];
    y1[k] = b[1];
    x2[k] = b[2];
    y2[k] = b[3];
    area[k] = (x2[k] - x1[k]) * (y2[k] - y1[k]);
    if (classes) cls[k] = classes[order[k]];
  }
  // `(double)iou > threshold` for a float iou is `iou > t` with t the largest float <= threshold: comparing in float
  // keeps the inner loop branch-free and four-wide while giving the same answers (NaN compares false either way).
  float t = static_cast<float>(iouThreshold);
  if (static_cast<double>(t) > iouThreshold) t = std::nextafter(t, -INFINITY);
  std::vector<unsigned char> suppressed(m, 0);
  for (size_t i = 0; i < m && keep.size() < limit; ++i) {
    if (suppressed[i]) continue;
    keep.push_back(order[i]);
    if (keep.size() >= limit) break;  // later boxes could only be dropped, never kept
    const float ix1 = x1[i], iy1 = y1[i], ix2 = x2[i], iy2 = y2[i], iarea = area[i];
    const int32_t ic = classes ? cls[i] : 0;
    const int32_t* cj = classes ? cls.data() : nullptr;
    unsigned char* sup = suppressed.data();
    // Every later box is tested, suppressed or not: no data-dependent branch, so the compiler vectorises the loop.
    // Already suppressed boxes stay suppressed (|=), so the result is the greedy rule's.
    for (size_t j = i + 1; j < m; ++j) {
      // Same operand order as torchvision so NaN coordinates resolve the same way in std::max/std::min.
      const float xx1 = std::max(ix1, x1[j]);
      const float yy1 = std::max(iy1, y1[j]);
      const float xx2 = std::min(ix2, x2[j]);
      const float yy2 = std::min(iy2, y2[j]);
      const float w = std::max(0.0f, xx2 - xx1);
      const float h = std::max(0.0f, yy2 - yy1);
      const float inter = w * h;
      const float ovr = inter / (iarea + area[j] - inter);
      const bool sameClass = cj == nullptr || cj[j] == ic;
      sup[j] |= static_cast<unsigned char>((ovr > t) & sameClass);
    }
  }
  return keep;
}

}  // namespace trtjs::cpu
