#include "cpu/decode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

#include "cpu/half.h"
#include "cpu/nms.h"

namespace trtjs::cpu {

namespace {

// Ultralytics shifts each class's boxes by class * max_wh so one agnostic NMS acts per class.
constexpr float kMaxWh = 7680.0f;

inline float value(const float* p, size_t i) { return p[i]; }
inline float value(const uint16_t* p, size_t i) { return halfToFloat(p[i]); }

// Running best class per anchor over one class row: strict > keeps the first maximum and never takes NaN.
// Written with SSE2 (x86-64 baseline) and NEON (aarch64, Jetson) because compilers keep this select scalar.
void maxScan(const float* row, float* best, int32_t* arg, size_t n, int32_t c) {
  size_t a = 0;
#if defined(__SSE2__)
  const __m128 vc = _mm_castsi128_ps(_mm_set1_epi32(c));
  for (; a + 4 <= n; a += 4) {
    const __m128 v = _mm_loadu_ps(row + a), b = _mm_loadu_ps(best + a);
    const __m128 gt = _mm_cmpgt_ps(v, b);
    _mm_storeu_ps(best + a, _mm_or_ps(_mm_and_ps(gt, v), _mm_andnot_ps(gt, b)));
    float* ap = reinterpret_cast<float*>(arg + a);
    _mm_storeu_ps(ap, _mm_or_ps(_mm_and_ps(gt, vc), _mm_andnot_ps(gt, _mm_loadu_ps(ap))));
  }
#elif defined(__ARM_NEON)
  const int32x4_t vc = vdupq_n_s32(c);
  for (; a + 4 <= n; a += 4) {
    const float32x4_t v = vld1q_f32(row + a), b = vld1q_f32(best + a);
    const uint32x4_t gt = vcgtq_f32(v, b);
    vst1q_f32(best + a, vbslq_f32(gt, v, b));
    vst1q_s32(arg + a, vbslq_s32(gt, vc, vld1q_s32(arg + a)));
  }
#endif
  for (; a < n; ++a) {
    if (row[a] > best[a]) {
      best[a] = row[a];
      arg[a] = c;
    }
  }
}

void maxScan(const uint16_t* row, float* best, int32_t* arg, size_t n, int32_t c) {
  for (size_t a = 0; a < n; ++a) {
    const float v = halfToFloat(row[a]);
    if (v > best[a]) {
      best[a] = v;
      arg[a] = c;
    }
  }
}

struct Candidate {
  float box[4];
  float score;
  int32_t cls;
};

bool classAllowed(const DecodeOptions& o, int32_t c) {
  if (!o.classes) return true;
  for (size_t k = 0; k < o.numClasses; ++k)
    if (o.classes[k] == c) return true;
  return false;
}

// xywh → xyxy as Ultralytics' xywh2xyxy: xy ∓ wh/2, in float32.
void toCorners(float cx, float cy, float w, float h, float* box) {
  float hw = w / 2, hh = h / 2;
  box[0] = cx - hw;
  box[1] = cy - hh;
  box[2] = cx + hw;
  box[3] = cy + hh;
}

void finish(std::vector<Candidate>& cands, const DecodeOptions& o, Detections& out) {
  if (cands.empty()) return;
  if (cands.size() > static_cast<size_t>(o.maxNms)) {
    std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    cands.resize(static_cast<size_t>(o.maxNms));
  }
  const size_t n = cands.size();
  std::vector<float> shifted(n * 4), scores(n);
  for (size_t i = 0; i < n; ++i) {
    float offset = o.agnostic ? 0.0f : static_cast<float>(cands[i].cls) * kMaxWh;
    for (int k = 0; k < 4; ++k) shifted[i * 4 + k] = cands[i].box[k] + offset;
    scores[i] = cands[i].score;
  }
  std::vector<int32_t> keep = nms(shifted.data(), scores.data(), nullptr, n, o.iou, -std::numeric_limits<float>::infinity(), o.maxDet);
  out.boxes.reserve(keep.size() * 4);
  for (int32_t k : keep) {
    const Candidate& c = cands[static_cast<size_t>(k)];
    out.boxes.insert(out.boxes.end(), c.box, c.box + 4);
    out.scores.push_back(c.score);
    out.classes.push_back(c.cls);
  }
}

template <typename T>
void decodeEndToEnd(const T* data, const DecodeOptions& o, Detections& out) {
  // Ultralytics: pred[pred[:, 4] > conf][:max_det], then the class filter.
  int taken = 0;
  for (int r = 0; r < o.rows && taken < o.maxDet; ++r) {
    const size_t base = static_cast<size_t>(r) * static_cast<size_t>(o.cols);
    float score = value(data, base + 4);
    if (!(score > o.conf)) continue;
    ++taken;
    float clsValue = value(data, base + 5);
    int32_t cls = std::isfinite(clsValue) ? static_cast<int32_t>(std::lround(clsValue)) : -1;
    if (!classAllowed(o, cls)) continue;
    for (int k = 0; k < 4; ++k) out.boxes.push_back(value(data, base + static_cast<size_t>(k)));
    out.scores.push_back(score);
    out.classes.push_back(cls);
  }
}

template <typename T>
void decodeAnchorFree(const T* data, const DecodeOptions& o, Detections& out) {
  const size_t anchors = static_cast<size_t>(o.channelsFirst ? o.cols : o.rows);
  const size_t cols = static_cast<size_t>(o.cols);
  auto at = [&](size_t a, size_t c) { return o.channelsFirst ? value(data, c * anchors + a) : value(data, a * cols + c); };

  // Best class per anchor. Channel-major input is scanned row by row so memory is read sequentially.
  std::vector<float> best(anchors, -std::numeric_limits<float>::infinity());
  std::vector<int32_t> arg(anchors, 0);
  if (o.channelsFirst) {
    for (int c = 0; c < o.nc; ++c) maxScan(data + static_cast<size_t>(4 + c) * anchors, best.data(), arg.data(), anchors, c);
  } else {
    for (size_t a = 0; a < anchors; ++a) {
      for (int c = 0; c < o.nc; ++c) {
        float v = value(data, a * cols + 4 + static_cast<size_t>(c));
        if (v > best[a]) {
          best[a] = v;
          arg[a] = c;
        }
      }
    }
  }
  std::vector<Candidate> cands;
  for (size_t a = 0; a < anchors; ++a) {
    if (!(best[a] > o.conf)) continue;
    Candidate c{};
    toCorners(at(a, 0), at(a, 1), at(a, 2), at(a, 3), c.box);
    if (o.multiLabel) {
      for (int k = 0; k < o.nc; ++k) {
        float s = at(a, 4 + static_cast<size_t>(k));
        if (s > o.conf && classAllowed(o, k)) {
          c.score = s;
          c.cls = k;
          cands.push_back(c);
        }
      }
    } else if (classAllowed(o, arg[a])) {
      c.score = best[a];
      c.cls = arg[a];
      cands.push_back(c);
    }
  }
  finish(cands, o, out);
}

template <typename T>
void decodeAnchorBased(const T* data, const DecodeOptions& o, Detections& out) {
  const size_t cols = static_cast<size_t>(o.cols);
  std::vector<Candidate> cands;
  for (int r = 0; r < o.rows; ++r) {
    const size_t base = static_cast<size_t>(r) * cols;
    float obj = value(data, base + 4);
    if (!(obj > o.conf)) continue;
    Candidate c{};
    toCorners(value(data, base), value(data, base + 1), value(data, base + 2), value(data, base + 3), c.box);
    // YOLOv5: class confidence = objectness × class score.
    float best = -std::numeric_limits<float>::infinity();
    int32_t arg = 0;
    for (int k = 0; k < o.nc; ++k) {
      float s = value(data, base + 5 + static_cast<size_t>(k)) * obj;
      if (o.multiLabel) {
        if (s > o.conf && classAllowed(o, k)) {
          c.score = s;
          c.cls = k;
          cands.push_back(c);
        }
      } else if (s > best) {
        best = s;
        arg = k;
      }
    }
    if (!o.multiLabel && best > o.conf && classAllowed(o, arg)) {
      c.score = best;
      c.cls = arg;
      cands.push_back(c);
    }
  }
  finish(cands, o, out);
}

template <typename T>
void decodeAny(const T* data, const DecodeOptions& o, Detections& out) {
  switch (o.format) {
    case HeadFormat::EndToEnd: return decodeEndToEnd(data, o, out);
    case HeadFormat::AnchorFree: return decodeAnchorFree(data, o, out);
    case HeadFormat::AnchorBased: return decodeAnchorBased(data, o, out);
  }
}

}  // namespace

void decode(const float* data, const DecodeOptions& o, Detections& out) { decodeAny(data, o, out); }
void decode(const uint16_t* data, const DecodeOptions& o, Detections& out) { decodeAny(data, o, out); }

}  // namespace trtjs::cpu
