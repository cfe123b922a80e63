// The rows an end-to-end (NMS-free) head keeps, as Ultralytics selects them for every task:
// `pred[pred[:, 4] > conf][:max_det]`, then the class filter on those rows. Shared by decode (boxes) and the obb
// decoder (rotated boxes), which differ only in what they take from a kept row.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "cpu/decode.h"
#include "cpu/half.h"

namespace trtjs::cpu {

// Calls keep(rowIndex, row, score, classId) for each kept row, in order. Rows hold o.cols values (>= 6: x1, y1, x2,
// y2 or cx, cy, w, h, then score, class). The class column is an integer in float; one that is not a representable
// int32 is reported as -1.
template <typename T, typename Keep>
void forEachEndToEndRow(const T* data, const DecodeOptions& o, Keep&& keep) {
  const size_t cols = static_cast<size_t>(o.cols);
  const size_t limit = o.maxDet > 0 ? static_cast<size_t>(o.maxDet) : static_cast<size_t>(o.rows);
  size_t taken = 0;
  for (size_t r = 0; r < static_cast<size_t>(o.rows) && taken < limit; ++r) {
    const T* src = data + r * cols;
    const float score = toFloat(src[4]);
    if (!(score > o.conf)) continue;
    ++taken;
    const float clsValue = toFloat(src[5]);
    if (o.classes) {
      // `(pred[:, 5:6] == classes).any(1)`: the int64 ids are promoted to float32 and compared exactly.
      bool hit = false;
      for (size_t k = 0; k < o.numClasses && !hit; ++k) hit = clsValue == static_cast<float>(o.classes[k]);
      if (!hit) continue;
    }
    const bool representable = clsValue >= -2147483648.0f && clsValue < 2147483648.0f;
    keep(r, src, score, representable ? static_cast<int32_t>(std::nearbyint(clsValue)) : -1);
  }
}

}  // namespace trtjs::cpu
