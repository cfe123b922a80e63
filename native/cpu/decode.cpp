// Reproduces ultralytics/utils/nms.py non_max_suppression (AnchorFree, EndToEnd) and YOLOv5's
// utils/general.py non_max_suppression (AnchorBased) for one batch item, float32 arithmetic throughout.
#include "cpu/decode.h"

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define TRTJS_DECODE_SSE2 1
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#define TRTJS_DECODE_NEON 1
#endif

#include "cpu/end2end_rows.h"
#include "cpu/half.h"
#include "cpu/nms.h"

namespace trtjs::cpu {

namespace {

// Ultralytics (and YOLOv5) shift each box by class * max_wh so that one class-agnostic NMS acts per class.
constexpr float kMaxWh = 7680.0f;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
// Conversion chunk for float16 rows: small enough to stay in L1.
constexpr size_t kChunk = 2048;

// `n` contiguous values as float: the input itself for float32, a widened copy in `scratch` for float16.
inline const float* asFloats(const float* p, size_t, float*) { return p; }
inline const float* asFloats(const uint16_t* p, size_t n, float* scratch) {
  for (size_t i = 0; i < n; ++i) scratch[i] = halfToFloat(p[i]);
  return scratch;
}

// best[a] = max(best[a], row[a]) with torch.amax's NaN rule: a NaN is taken and then kept. Over a channel-major
// tensor this is the per-anchor class maximum that Ultralytics thresholds (`prediction[:, 4:mi].amax(1) > conf`).
void rowMax(const float* row, float* best, size_t n) {
  size_t a = 0;
#if defined(TRTJS_DECODE_SSE2)
  for (; a + 4 <= n; a += 4) {
    const __m128 v = _mm_loadu_ps(row + a), b = _mm_loadu_ps(best + a);
    const __m128 take = _mm_or_ps(_mm_cmpgt_ps(v, b), _mm_cmpunord_ps(v, v));
    _mm_storeu_ps(best + a, _mm_or_ps(_mm_and_ps(take, v), _mm_andnot_ps(take, b)));
  }
#elif defined(TRTJS_DECODE_NEON)
  for (; a + 4 <= n; a += 4) {
    const float32x4_t v = vld1q_f32(row + a), b = vld1q_f32(best + a);
    const uint32x4_t take = vorrq_u32(vcgtq_f32(v, b), vmvnq_u32(vceqq_f32(v, v)));
    vst1q_f32(best + a, vbslq_f32(take, v, b));
  }
#endif
  for (; a < n; ++a) {
    const float v = row[a];
    if (v > best[a] || std::isnan(v)) best[a] = v;
  }
}

// Maximum of n contiguous values with the same NaN rule (any NaN: NaN). n may be 0 (-inf).
float spanMax(const float* v, size_t n) {
  size_t i = 0;
  float m = kNegInf;
  bool nan = false;
#if defined(TRTJS_DECODE_SSE2)
  if (n >= 4) {
    __m128 acc = _mm_set1_ps(kNegInf), bad = _mm_setzero_ps();
    for (; i + 4 <= n; i += 4) {
      const __m128 x = _mm_loadu_ps(v + i);
      acc = _mm_max_ps(acc, x);
      bad = _mm_or_ps(bad, _mm_cmpunord_ps(x, x));
    }
    if (_mm_movemask_ps(bad)) return std::numeric_limits<float>::quiet_NaN();
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, acc);
    m = std::max(std::max(lanes[0], lanes[1]), std::max(lanes[2], lanes[3]));
  }
#elif defined(TRTJS_DECODE_NEON)
  if (n >= 4) {
    float32x4_t acc = vdupq_n_f32(kNegInf);
    uint32x4_t bad = vdupq_n_u32(0);
    for (; i + 4 <= n; i += 4) {
      const float32x4_t x = vld1q_f32(v + i);
      acc = vmaxq_f32(acc, x);
      bad = vorrq_u32(bad, vmvnq_u32(vceqq_f32(x, x)));
    }
    if (vmaxvq_u32(bad)) return std::numeric_limits<float>::quiet_NaN();
    m = vmaxvq_f32(acc);
  }
#endif
  for (; i < n; ++i) {
    if (v[i] > m) m = v[i];
    nan |= std::isnan(v[i]);
  }
  return nan ? std::numeric_limits<float>::quiet_NaN() : m;
}

struct Candidate {
  float box[4];
  float score;
  int32_t cls;
  int32_t anchor;
};

// Ultralytics: `(x[:, 5:6] == classes).any(1)` on class indices 0..nc-1.
class ClassFilter {
 public:
  explicit ClassFilter(const DecodeOptions& o) : all_(o.classes == nullptr), allowed_(all_ ? 0 : static_cast<size_t>(o.nc), 0) {
    for (size_t k = 0; !all_ && k < o.numClasses; ++k)
      if (o.classes[k] >= 0 && o.classes[k] < o.nc) allowed_[static_cast<size_t>(o.classes[k])] = 1;
  }
  bool operator()(int32_t c) const { return all_ || allowed_[static_cast<size_t>(c)]; }

 private:
  bool all_;
  std::vector<unsigned char> allowed_;
};

// xywh2xyxy as Ultralytics and YOLOv5 write it: wh / 2 first, then xy - wh/2 and xy + wh/2, in float32.
void toCorners(float cx, float cy, float w, float h, float* box) {
  const float hw = w / 2, hh = h / 2;
  box[0] = cx - hw;
  box[1] = cy - hh;
  box[2] = cx + hw;
  box[3] = cy + hh;
}

// max_nms cap, class offset, NMS, max_det: the tail shared by both NMS heads.
void finish(std::vector<Candidate>& cands, const DecodeOptions& o, Detections& out) {
  if (cands.empty()) return;
  if (o.maxNms > 0 && cands.size() > static_cast<size_t>(o.maxNms)) {
    // `x[:, 4].argsort(descending=True)[:max_nms]`; torch's order among equal scores is unspecified, ours is stable.
    std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    cands.resize(static_cast<size_t>(o.maxNms));
  }
  const size_t n = cands.size();
  std::vector<float> shifted(n * 4), scores(n);
  for (size_t i = 0; i < n; ++i) {
    // `c = x[:, 5:6] * (0 if agnostic else max_wh)`; `boxes = x[:, :4] + c`, both float32.
    const float offset = static_cast<float>(cands[i].cls) * (o.agnostic ? 0.0f : kMaxWh);
    for (int k = 0; k < 4; ++k) shifted[i * 4 + static_cast<size_t>(k)] = cands[i].box[k] + offset;
    scores[i] = cands[i].score;
  }
  const std::vector<int32_t> keep = nms(shifted.data(), scores.data(), nullptr, n, o.iou, kNegInf, o.maxDet);
  out.boxes.reserve(keep.size() * 4);
  out.scores.reserve(keep.size());
  out.classes.reserve(keep.size());
  out.anchors.reserve(keep.size());
  for (int32_t k : keep) {
    const Candidate& c = cands[static_cast<size_t>(k)];
    out.boxes.insert(out.boxes.end(), c.box, c.box + 4);
    out.scores.push_back(c.score);
    out.classes.push_back(c.cls);
    out.anchors.push_back(c.anchor);
  }
}

// One anchor that passed the candidate test: `scores` are its nc class scores (after the objectness product for
// YOLOv5), `best` their maximum (> conf, so not NaN).
void emit(size_t anchor, const float* box, const float* scores, float best, bool multiLabel, const DecodeOptions& o, const ClassFilter& allowed,
          std::vector<Candidate>& cands) {
  Candidate c{};
  c.anchor = static_cast<int32_t>(anchor);
  toCorners(box[0], box[1], box[2], box[3], c.box);
  if (multiLabel) {
    // `i, j = torch.where(cls > conf_thres)`: anchor-major, class-minor order.
    for (int k = 0; k < o.nc; ++k) {
      if (scores[k] > o.conf && allowed(k)) {
        c.score = scores[k];
        c.cls = k;
        cands.push_back(c);
      }
    }
    return;
  }
  // `conf, j = cls.max(1)`: the first class holding the maximum.
  int k = 0;
  while (k < o.nc && !(scores[k] == best)) ++k;
  if (k < o.nc && allowed(k)) {
    c.score = best;
    c.cls = k;
    cands.push_back(c);
  }
}

template <typename T>
void decodeAnchorFree(const T* data, const DecodeOptions& o, Detections& out) {
  const size_t nc = static_cast<size_t>(o.nc);
  const size_t channels = static_cast<size_t>(o.channelsFirst ? o.rows : o.cols);
  const size_t anchors = static_cast<size_t>(o.channelsFirst ? o.cols : o.rows);
  if (nc == 0 || channels < 4 + nc) return;
  const ClassFilter allowed(o);
  // `multi_label &= nc > 1`; with one class both modes give the same rows anyway.
  const bool multiLabel = o.multiLabel && nc > 1;
  std::vector<Candidate> cands;
  std::vector<float> scratch(std::min(anchors, kChunk) + 4 + nc);

  if (o.channelsFirst) {
    // Per-anchor class maximum, one class row at a time so memory is read sequentially.
    std::vector<float> best(anchors, kNegInf);
    for (size_t c = 0; c < nc; ++c) {
      const T* row = data + (4 + c) * anchors;
      for (size_t a0 = 0; a0 < anchors; a0 += kChunk) {
        const size_t len = std::min(kChunk, anchors - a0);
        rowMax(asFloats(row + a0, len, scratch.data()), best.data() + a0, len);
      }
    }
    // Gather only the candidates (`xc = amax > conf_thres`), reading their column.
    float* box = scratch.data();
    float* scores = scratch.data() + 4;
    for (size_t a = 0; a < anchors; ++a) {
      if (!(best[a] > o.conf)) continue;
      for (size_t k = 0; k < 4 + nc; ++k) box[k] = toFloat(data[k * anchors + a]);
      emit(a, box, scores, best[a], multiLabel, o, allowed, cands);
    }
  } else {
    const size_t cols = static_cast<size_t>(o.cols);
    for (size_t a = 0; a < anchors; ++a) {
      const float* row = asFloats(data + a * cols, 4 + nc, scratch.data());
      const float best = spanMax(row + 4, nc);
      if (best > o.conf) emit(a, row, row + 4, best, multiLabel, o, allowed, cands);
    }
  }
  finish(cands, o, out);
}

template <typename T>
void decodeAnchorBased(const T* data, const DecodeOptions& o, Detections& out) {
  const size_t nc = static_cast<size_t>(o.nc);
  const size_t cols = static_cast<size_t>(o.cols);
  if (nc == 0 || cols < 5 + nc) return;
  const ClassFilter allowed(o);
  const bool multiLabel = o.multiLabel && nc > 1;
  std::vector<Candidate> cands;
  std::vector<float> scratch(5 + nc), scores(nc);
  for (size_t r = 0; r < static_cast<size_t>(o.rows); ++r) {
    const T* src = data + r * cols;
    // `xc = prediction[..., 4] > conf_thres`
    const float obj = toFloat(src[4]);
    if (!(obj > o.conf)) continue;
    const float* row = asFloats(src, 5 + nc, scratch.data());
    // `x[:, 5:] *= x[:, 4:5]`, float32 products.
    for (size_t k = 0; k < nc; ++k) scores[k] = row[5 + k] * obj;
    const float best = spanMax(scores.data(), nc);
    // Multi-label keeps every class > conf even when another class is NaN; single-label drops a NaN maximum.
    if (multiLabel || best > o.conf) emit(r, row, scores.data(), best, multiLabel, o, allowed, cands);
  }
  finish(cands, o, out);
}

template <typename T>
void decodeEndToEnd(const T* data, const DecodeOptions& o, Detections& out) {
  if (o.cols < 6) return;
  forEachEndToEndRow(data, o, [&](size_t r, const T* src, float score, int32_t cls) {
    for (size_t k = 0; k < 4; ++k) out.boxes.push_back(toFloat(src[k]));
    out.scores.push_back(score);
    out.classes.push_back(cls);
    out.anchors.push_back(static_cast<int32_t>(r));
  });
}

template <typename T>
void decodeAny(const T* data, const DecodeOptions& o, Detections& out) {
  out.boxes.clear();
  out.scores.clear();
  out.classes.clear();
  out.anchors.clear();
  if (o.rows <= 0 || o.cols <= 0 || o.nc < 0) return;
  switch (o.format) {
    case HeadFormat::EndToEnd:
      return decodeEndToEnd(data, o, out);
    case HeadFormat::AnchorFree:
      return decodeAnchorFree(data, o, out);
    case HeadFormat::AnchorBased:
      return decodeAnchorBased(data, o, out);
  }
}

}  // namespace

void decode(const float* data, const DecodeOptions& o, Detections& out) { decodeAny(data, o, out); }
void decode(const uint16_t* data, const DecodeOptions& o, Detections& out) { decodeAny(data, o, out); }

}  // namespace trtjs::cpu
