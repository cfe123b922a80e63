// ultralytics/utils/nms.py (non_max_suppression with rotated=True, TorchNMS.fast_nms), utils/metrics.py
// (_get_covariance_matrix, batch_probiou) and utils/ops.py (regularize_rboxes), float32 throughout as torch computes.
#include "cpu/obb.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cpu/end2end_rows.h"
#include "cpu/half.h"

namespace trtjs::cpu {

namespace {

constexpr float kMaxWh = 7680.0f;
constexpr float kEps = 1e-7f;
const float kPi = static_cast<float>(M_PI);
const float kHalfPi = static_cast<float>(M_PI / 2);

struct Candidate {
  float box[5];  // cx, cy, w, h, angle
  float score;
  int32_t cls;
  int32_t anchor;
};

// torch.remainder on floats: fmod, moved into the divisor's sign.
inline float remainder(float a, float b) {
  float m = std::fmod(a, b);
  if (m != 0 && ((b < 0) != (m < 0))) m += b;
  return m;
}

// _get_covariance_matrix: a = w^2/12, b = h^2/12, rotated by the angle.
inline void covariance(const float* box, float& a, float& b, float& c) {
  const float a0 = box[2] * box[2] / 12.0f, b0 = box[3] * box[3] / 12.0f;
  const float cs = std::cos(box[4]), sn = std::sin(box[4]);
  const float cos2 = cs * cs, sin2 = sn * sn;
  a = a0 * cos2 + b0 * sin2;
  b = a0 * sin2 + b0 * cos2;
  c = (a0 - b0) * cs * sn;
}

float probiou(const float* p, float a1, float b1, float c1, const float* q, float a2, float b2, float c2) {
  const float x1 = p[0], y1 = p[1], x2 = q[0], y2 = q[1];
  const float sa = a1 + a2, sb = b1 + b2, sc = c1 + c2;
  const float dy = y1 - y2, dx = x1 - x2;
  const float denom = sa * sb - sc * sc + kEps;
  const float t1 = ((sa * (dy * dy) + sb * (dx * dx)) / denom) * 0.25f;
  const float t2 = ((sc * (x2 - x1) * (y1 - y2)) / denom) * 0.5f;
  const float d1 = std::max(a1 * b1 - c1 * c1, 0.0f), d2 = std::max(a2 * b2 - c2 * c2, 0.0f);
  const float t3 = std::log((sa * sb - sc * sc) / (4.0f * std::sqrt(d1 * d2) + kEps) + kEps) * 0.5f;
  float bd = t1 + t2 + t3;
  // clamp(eps, 100): NaN stays NaN as in torch.clamp.
  if (bd < kEps) bd = kEps;
  if (bd > 100.0f) bd = 100.0f;
  const float hd = std::sqrt(1.0f - std::exp(-bd) + kEps);
  return 1.0f - hd;
}

class ClassFilter {
 public:
  explicit ClassFilter(const DecodeOptions& o) : all_(o.classes == nullptr), allowed_(all_ ? 0 : static_cast<size_t>(std::max(o.nc, 0)), 0) {
    for (size_t k = 0; !all_ && k < o.numClasses; ++k)
      if (o.classes[k] >= 0 && o.classes[k] < o.nc) allowed_[static_cast<size_t>(o.classes[k])] = 1;
  }
  bool operator()(int32_t c) const { return all_ || (c >= 0 && static_cast<size_t>(c) < allowed_.size() && allowed_[static_cast<size_t>(c)]); }

 private:
  bool all_;
  std::vector<unsigned char> allowed_;
};

template <typename T>
void decodeAnchorFree(const T* data, const DecodeOptions& o, std::vector<Candidate>& cands) {
  const size_t nc = static_cast<size_t>(o.nc);
  const size_t channels = static_cast<size_t>(o.channelsFirst ? o.rows : o.cols);
  const size_t anchors = static_cast<size_t>(o.channelsFirst ? o.cols : o.rows);
  if (nc == 0 || channels < 5 + nc) return;
  const ClassFilter allowed(o);
  const bool multiLabel = o.multiLabel && nc > 1;
  const auto at = [&](size_t c, size_t a) { return toFloat(o.channelsFirst ? data[c * anchors + a] : data[a * channels + c]); };
  std::vector<float> scores(nc);
  for (size_t a = 0; a < anchors; ++a) {
    // `xc = prediction[:, 4:mi].amax(1) > conf_thres`, NaN taken as the maximum.
    float best = -INFINITY;
    bool nan = false;
    for (size_t k = 0; k < nc; ++k) {
      scores[k] = at(4 + k, a);
      nan |= std::isnan(scores[k]);
      if (scores[k] > best) best = scores[k];
    }
    if (nan || !(best > o.conf)) continue;
    Candidate c{};
    for (size_t k = 0; k < 4; ++k) c.box[k] = at(k, a);
    c.box[4] = at(channels - 1, a);  // `x[:, -1:]`
    c.anchor = static_cast<int32_t>(a);
    if (multiLabel) {
      for (size_t k = 0; k < nc; ++k) {
        if (scores[k] > o.conf && allowed(static_cast<int32_t>(k))) {
          c.score = scores[k];
          c.cls = static_cast<int32_t>(k);
          cands.push_back(c);
        }
      }
      continue;
    }
    size_t k = 0;
    while (k < nc && !(scores[k] == best)) ++k;
    if (k < nc && allowed(static_cast<int32_t>(k))) {
      c.score = best;
      c.cls = static_cast<int32_t>(k);
      cands.push_back(c);
    }
  }
}

void finish(std::vector<Candidate>& cands, const DecodeOptions& o, RotatedDetections& out) {
  if (cands.empty()) return;
  if (o.maxNms > 0 && cands.size() > static_cast<size_t>(o.maxNms)) {
    std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    cands.resize(static_cast<size_t>(o.maxNms));
  }
  const size_t n = cands.size();
  std::vector<float> boxes(n * 5), scores(n);
  for (size_t i = 0; i < n; ++i) {
    // `c = x[:, 5:6] * (0 if agnostic else max_wh)`; `torch.cat((x[:, :2] + c, x[:, 2:4], x[:, -1:]))`.
    const float offset = static_cast<float>(cands[i].cls) * (o.agnostic ? 0.0f : kMaxWh);
    float* b = boxes.data() + i * 5;
    b[0] = cands[i].box[0] + offset;
    b[1] = cands[i].box[1] + offset;
    b[2] = cands[i].box[2];
    b[3] = cands[i].box[3];
    b[4] = cands[i].box[4];
    scores[i] = cands[i].score;
  }
  std::vector<int32_t> keep = fastNmsRotated(boxes.data(), scores.data(), n, static_cast<float>(o.iou));
  if (o.maxDet > 0 && keep.size() > static_cast<size_t>(o.maxDet)) keep.resize(static_cast<size_t>(o.maxDet));
  for (int32_t k : keep) {
    const Candidate& c = cands[static_cast<size_t>(k)];
    float box[5] = {c.box[0], c.box[1], c.box[2], c.box[3], c.box[4]};
    regularizeRbox(box);
    out.boxes.insert(out.boxes.end(), box, box + 5);
    out.scores.push_back(c.score);
    out.classes.push_back(c.cls);
    out.anchors.push_back(c.anchor);
  }
}

template <typename T>
void decodeEndToEnd(const T* data, const DecodeOptions& o, RotatedDetections& out) {
  const size_t cols = static_cast<size_t>(o.cols);
  if (cols < 7) return;
  forEachEndToEndRow(data, o, [&](size_t r, const T* src, float score, int32_t cls) {
    // The angle is the row's last value.
    float box[5] = {toFloat(src[0]), toFloat(src[1]), toFloat(src[2]), toFloat(src[3]), toFloat(src[cols - 1])};
    regularizeRbox(box);
    out.boxes.insert(out.boxes.end(), box, box + 5);
    out.scores.push_back(score);
    out.classes.push_back(cls);
    out.anchors.push_back(static_cast<int32_t>(r));
  });
}

template <typename T>
void decodeAny(const T* data, const DecodeOptions& o, RotatedDetections& out) {
  out.boxes.clear();
  out.scores.clear();
  out.classes.clear();
  out.anchors.clear();
  if (o.rows <= 0 || o.cols <= 0 || o.nc < 0) return;
  if (o.format == HeadFormat::EndToEnd) return decodeEndToEnd(data, o, out);
  if (o.format != HeadFormat::AnchorFree) return;
  std::vector<Candidate> cands;
  decodeAnchorFree(data, o, cands);
  finish(cands, o, out);
}

}  // namespace

void regularizeRbox(float* box) {
  // `swap = t % pi >= pi / 2`, `t = t % (pi / 2)`, in float32.
  const float t = box[4];
  if (remainder(t, kPi) >= kHalfPi) std::swap(box[2], box[3]);
  box[4] = remainder(t, kHalfPi);
}

void batchProbiou(const float* a, size_t n1, const float* b, size_t n2, float* out) {
  std::vector<float> cb(n2 * 3);
  for (size_t j = 0; j < n2; ++j) covariance(b + j * 5, cb[j * 3], cb[j * 3 + 1], cb[j * 3 + 2]);
  for (size_t i = 0; i < n1; ++i) {
    float a1, b1, c1;
    covariance(a + i * 5, a1, b1, c1);
    for (size_t j = 0; j < n2; ++j) out[i * n2 + j] = probiou(a + i * 5, a1, b1, c1, b + j * 5, cb[j * 3], cb[j * 3 + 1], cb[j * 3 + 2]);
  }
}

std::vector<int32_t> fastNmsRotated(const float* boxes, const float* scores, size_t n, float iou) {
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  // `torch.argsort(scores, descending=True)`; its order among equal scores is unspecified, this one is stable.
  std::stable_sort(order.begin(), order.end(), [scores](int32_t x, int32_t y) { return scores[x] > scores[y]; });
  std::vector<float> sorted(n * 5), cov(n * 3);
  for (size_t k = 0; k < n; ++k) {
    std::copy(boxes + static_cast<size_t>(order[k]) * 5, boxes + static_cast<size_t>(order[k]) * 5 + 5, sorted.data() + k * 5);
    covariance(sorted.data() + k * 5, cov[k * 3], cov[k * 3 + 1], cov[k * 3 + 2]);
  }
  // A pair can only reach the threshold when its Bhattacharyya distance bd <= -ln(1 - (1 - iou)^2 + eps); bd is at
  // least 3 |dc|^2 / (w1^2 + h1^2 + w2^2 + h2^2) (t3 >= 0, and the sum of covariances has no eigenvalue above its
  // trace). Pairs far beyond that bound (by a margin of 2x + 1, so rounding cannot matter) are not evaluated.
  const double limit = -std::log(std::max(1.0 - (1.0 - iou) * (1.0 - iou) + 1e-7, 1e-300));
  const double skipAbove = 2 * limit + 1;
  std::vector<double> spread(n);
  for (size_t k = 0; k < n; ++k) {
    const float* b = sorted.data() + k * 5;
    spread[k] = static_cast<double>(b[2]) * b[2] + static_cast<double>(b[3]) * b[3];
  }
  // `ious.triu_(diagonal=1)`; keep column j when no row i < j has iou >= threshold (`(ious >= t).sum(0) <= 0`).
  std::vector<int32_t> keep;
  for (size_t j = 0; j < n; ++j) {
    const float* bj = sorted.data() + j * 5;
    bool dropped = false;
    for (size_t i = 0; i < j && !dropped; ++i) {
      const float* bi = sorted.data() + i * 5;
      const double dx = static_cast<double>(bi[0]) - bj[0], dy = static_cast<double>(bi[1]) - bj[1];
      const double s = spread[i] + spread[j];
      if (s > 0 && 3 * (dx * dx + dy * dy) > skipAbove * s) continue;  // false for NaN: evaluated
      dropped = probiou(bi, cov[i * 3], cov[i * 3 + 1], cov[i * 3 + 2], bj, cov[j * 3], cov[j * 3 + 1], cov[j * 3 + 2]) >= iou;
    }
    if (!dropped) keep.push_back(order[j]);
  }
  return keep;
}

void decodeObb(const float* data, const DecodeOptions& o, RotatedDetections& out) { decodeAny(data, o, out); }
void decodeObb(const uint16_t* data, const DecodeOptions& o, RotatedDetections& out) { decodeAny(data, o, out); }

}  // namespace trtjs::cpu
