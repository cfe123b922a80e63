#include "cpu/nms.h"

#include <algorithm>
#include <numeric>

namespace trtjs::cpu {

std::vector<int32_t> nms(const float* boxes, const float* scores, const int32_t* classes, size_t n, float iouThreshold,
                         float scoreThreshold, int maxDet) {
  std::vector<int32_t> order;
  order.reserve(n);
  for (size_t i = 0; i < n; ++i)
    if (scores[i] > scoreThreshold) order.push_back(static_cast<int32_t>(i));
  std::stable_sort(order.begin(), order.end(), [scores](int32_t a, int32_t b) { return scores[a] > scores[b]; });

  const size_t m = order.size();
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
  std::vector<char> suppressed(m, 0);
  std::vector<int32_t> keep;
  for (size_t i = 0; i < m; ++i) {
    if (suppressed[i]) continue;
    keep.push_back(order[i]);
    if (maxDet > 0 && keep.size() >= static_cast<size_t>(maxDet)) break;
    for (size_t j = i + 1; j < m; ++j) {
      if (suppressed[j] || (classes && cls[j] != cls[i])) continue;
      float w = std::max(0.0f, std::min(x2[i], x2[j]) - std::max(x1[i], x1[j]));
      float h = std::max(0.0f, std::min(y2[i], y2[j]) - std::max(y1[i], y1[j]));
      float inter = w * h;
      float ovr = inter / (area[i] + area[j] - inter);
      if (ovr > iouThreshold) suppressed[j] = 1;
    }
  }
  return keep;
}

}  // namespace trtjs::cpu
