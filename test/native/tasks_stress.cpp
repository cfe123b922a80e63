// Random and hostile inputs through the task CPU ops (segment masks, contours, polygon masks, mask IoU, OBB decode
// and rotated NMS, the classification transform, decode's extra channels), built with AddressSanitizer and
// UndefinedBehaviorSanitizer by test/unit/task-native-stress.test.ts. Buffers are allocated at exactly the size each
// op is told, so an overread aborts the run; each op's invariants are checked on its output.
//   tasks_stress <iterations> <seed>    prints "ok <iterations> <counts>" or "FAIL ..." (exit 1)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "cpu/classify_transform.h"
#include "cpu/contours.h"
#include "cpu/decode.h"
#include "cpu/extras.h"
#include "cpu/obb.h"
#include "cpu/polygon_mask.h"
#include "cpu/segment.h"

using namespace trtjs::cpu;

namespace {

uint64_t state = 0;
uint64_t masks = 0, contours = 0, polygons = 0, rotated = 0, classified = 0, extras = 0;
uint64_t next() {  // splitmix64
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
int between(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1)); }
double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
bool chance(double p) { return unit() < p; }
float value(float scale) {
  if (chance(0.01)) return std::numeric_limits<float>::quiet_NaN();
  if (chance(0.005)) return chance(0.5) ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
  if (chance(0.01)) return static_cast<float>((unit() - 0.5) * 1e9);
  return static_cast<float>((unit() - 0.3) * scale);
}

[[noreturn]] void fail(const std::string& what) {
  std::printf("FAIL %s\n", what.c_str());
  std::exit(1);
}

// Windows inside their frame, bytes matching, each non-empty window tight around its ones.
void checkMasks(const CompactMasks& m, size_t n, const char* op) {
  if (m.windows.size() != n * 4) fail(std::string(op) + ": one window per mask");
  size_t offset = 0;
  for (size_t i = 0; i < n; ++i) {
    const int32_t x = m.windows[i * 4], y = m.windows[i * 4 + 1], w = m.windows[i * 4 + 2], h = m.windows[i * 4 + 3];
    if (x < 0 || y < 0 || w < 0 || h < 0 || x + w > m.frameW || y + h > m.frameH) fail(std::string(op) + ": window outside the frame");
    if (w == 0 || h == 0) {
      if (w != h) fail(std::string(op) + ": half-empty window");
      continue;
    }
    const uint8_t* b = m.bits.data() + offset;
    bool top = false, bottom = false, left = false, right = false;
    for (int c = 0; c < w; ++c) top |= b[c] != 0, bottom |= b[(h - 1) * w + c] != 0;
    for (int r = 0; r < h; ++r) left |= b[r * w] != 0, right |= b[r * w + w - 1] != 0;
    for (int k = 0; k < w * h; ++k)
      if (b[k] > 1) fail(std::string(op) + ": mask byte not 0/1");
    if (!(top && bottom && left && right)) fail(std::string(op) + ": window not tight");
    offset += static_cast<size_t>(w) * h;
    ++masks;
  }
  if (offset != m.bits.size()) fail(std::string(op) + ": bytes do not match the windows");
}

void stressMasks() {
  MaskRequest r;
  r.nm = between(1, 6);
  r.mh = between(1, 24);
  r.mw = between(1, 24);
  r.n = static_cast<size_t>(between(0, 6));
  r.outH = between(1, 90);
  r.outW = between(1, 90);
  r.mode = static_cast<MaskMode>(between(0, 2));
  r.roundCrop = chance(0.5);
  std::vector<float> protos(static_cast<size_t>(r.nm) * r.mh * r.mw), coeffs(r.n * r.nm), boxes(r.n * 4);
  for (float& v : protos) v = value(2);
  for (float& v : coeffs) v = value(2);
  const float span = static_cast<float>(std::max(r.outW, r.outH));
  for (float& v : boxes) v = value(span * 1.4f);
  r.protos = protos.data();
  r.coeffs = coeffs.data();
  r.boxes = boxes.data();
  CompactMasks m;
  processMasks(r, m);
  checkMasks(m, r.n, "processMasks");
  if (r.mode == MaskMode::Upsample) {
    CompactMasks s;
    scaleMasksToSource(m, between(1, 120), between(1, 120), s);
    checkMasks(s, r.n, "scaleMasksToSource");
  }
}

void stressContours() {
  const int w = between(1, 40), h = between(1, 40);
  const double density = unit();
  std::vector<uint8_t> mask(static_cast<size_t>(w) * h);
  for (uint8_t& v : mask) v = chance(density) ? static_cast<uint8_t>(between(1, 255)) : 0;
  Contours c;
  const int ox = between(0, 50), oy = between(0, 50);
  findExternalContours(mask.data(), w, h, static_cast<size_t>(w), ox, oy, c);
  size_t total = 0;
  for (int32_t s : c.sizes) total += static_cast<size_t>(s);
  if (total * 2 != c.points.size()) fail("contours: sizes do not match points");
  for (size_t k = 0; k < c.points.size(); k += 2) {
    const int x = c.points[k] - ox, y = c.points[k + 1] - oy;
    if (x < 0 || y < 0 || x >= w || y >= h || !mask[static_cast<size_t>(y) * w + x]) fail("contours: a vertex off the mask");
  }
  contours += c.sizes.size();
}

void stressPolygons() {
  const int w = between(1, 64), h = between(1, 64);
  const int n = between(0, 5);
  std::vector<int32_t> sizes;
  std::vector<float> coords;
  for (int i = 0; i < n; ++i) {
    const int pts = between(1, 12);
    sizes.push_back(pts);
    for (int k = 0; k < pts; ++k) {
      const float far = chance(0.1) ? 1e6f : 1.3f * static_cast<float>(std::max(w, h));
      coords.push_back(static_cast<float>((unit() - 0.15) * far));
      coords.push_back(static_cast<float>((unit() - 0.15) * far));
    }
  }
  const int ds = chance(0.5) ? 1 : between(1, 4);
  if (w / ds < 1 || h / ds < 1) return;
  CompactMasks m;
  std::vector<int32_t> order;
  polygonMasks(coords.data(), sizes, w, h, ds, chance(0.5), m, order);
  checkMasks(m, sizes.size(), "polygonMasks");
  std::vector<float> iou(sizes.size() * sizes.size());
  maskIou(m, m, iou.data());
  for (float v : iou)
    if (!(v >= 0 && v <= 1)) fail("maskIou: outside [0, 1]");
  polygons += sizes.size();
}

void stressObb() {
  DecodeOptions o;
  o.nc = between(0, 4);
  o.format = chance(0.3) ? HeadFormat::EndToEnd : chance(0.1) ? HeadFormat::AnchorBased : HeadFormat::AnchorFree;
  o.channelsFirst = chance(0.7);
  const int channels = between(0, 4 + o.nc + 2), anchors = between(0, 40);
  o.rows = o.format == HeadFormat::AnchorFree && o.channelsFirst ? channels : anchors;
  o.cols = o.format == HeadFormat::AnchorFree && o.channelsFirst ? anchors : channels;
  o.conf = static_cast<float>(unit() * 0.5);
  o.iou = unit();
  o.maxDet = between(0, 50);
  o.maxNms = between(0, 60);
  o.agnostic = chance(0.3);
  o.multiLabel = chance(0.3);
  std::vector<int32_t> classes = {between(-2, 5), between(0, 3)};
  if (chance(0.3)) o.classes = classes.data(), o.numClasses = classes.size();
  std::vector<float> data(static_cast<size_t>(o.rows) * std::max(o.cols, 0));
  for (float& v : data) v = value(100);
  RotatedDetections d;
  decodeObb(data.data(), o, d);
  const size_t n = d.scores.size();
  if (d.boxes.size() != n * 5 || d.classes.size() != n || d.anchors.size() != n) fail("decodeObb: uneven outputs");
  if (o.maxDet > 0 && n > static_cast<size_t>(o.maxDet)) fail("decodeObb: more than maxDet");
  for (size_t i = 0; i < n; ++i) {
    const float t = d.boxes[i * 5 + 4];
    if (std::isfinite(t) && !(t >= 0 && t <= static_cast<float>(M_PI / 2))) fail("decodeObb: angle not regularized");
    if (!(d.scores[i] > o.conf)) fail("decodeObb: a score not above conf");
  }
  rotated += n;
  std::vector<uint16_t> half(data.size(), 0x3c00);
  decodeObb(half.data(), o, d);
}

void stressExtras() {
  DecodeOptions o;
  o.nc = between(1, 4);
  o.format = chance(0.3) ? HeadFormat::EndToEnd : HeadFormat::AnchorFree;
  o.channelsFirst = chance(0.7);
  const int extra = between(0, 5);
  const int channels = (o.format == HeadFormat::EndToEnd ? 6 : 4 + o.nc) + extra, anchors = between(1, 30);
  o.rows = o.format == HeadFormat::AnchorFree && o.channelsFirst ? channels : anchors;
  o.cols = o.format == HeadFormat::AnchorFree && o.channelsFirst ? anchors : channels;
  o.conf = static_cast<float>(unit() * 0.5);
  o.maxDet = between(1, 20);
  o.maxNms = 100;
  o.multiLabel = chance(0.3);
  std::vector<float> data(static_cast<size_t>(o.rows) * o.cols);
  for (float& v : data) v = value(50);
  Detections d;
  decode(data.data(), o, d);
  if (d.anchors.size() != d.scores.size()) fail("decode: one anchor per detection");
  std::vector<float> out;
  const int first = o.format == HeadFormat::EndToEnd ? 6 : 4 + o.nc;
  gatherExtras(data.data(), o, d, first, extra, out);
  if (out.size() != d.scores.size() * static_cast<size_t>(extra)) fail("gatherExtras: wrong size");
  extras += out.size();
}

void stressClassify() {
  const int w = between(1, 30), h = between(1, 30), order = between(0, 4);
  static const int channelsOf[] = {1, 3, 3, 4, 4};
  const int cn = channelsOf[order];
  const size_t stride = static_cast<size_t>(w * cn + between(0, 3));
  std::vector<uint8_t> src(stride * (h - 1) + static_cast<size_t>(w) * cn);
  for (uint8_t& v : src) v = static_cast<uint8_t>(next());
  const int size = between(1, 40);
  const int shortSide = std::min(w, h), longSide = std::max(w, h);
  const int newLong = static_cast<int>(static_cast<double>(size) * longSide / shortSide);
  ClassifyGeometry g{w <= h ? size : newLong, w <= h ? newLong : size, 0, 0, size};
  g.cropLeft = (g.resizedWidth - size) / 2;
  g.cropTop = (g.resizedHeight - size) / 2;
  if (chance(0.1)) g.cropLeft += between(0, 3);  // sometimes a crop that does not fit: refused
  const Image img{src.data(), w, h, cn, stride, static_cast<PixelOrder>(order)};
  std::vector<uint8_t> u8(static_cast<size_t>(size) * size * 3);
  std::vector<float> f32(u8.size());
  const std::string a = classifyTransform(img, g, {u8.data(), OutDtype::Uint8, OutLayout::NHWC});
  const std::string b = classifyTransform(img, g, {f32.data(), OutDtype::Float32, OutLayout::NHWC});
  if (a != b) fail("classifyTransform: dtypes disagree on validity");
  if (!a.empty()) return;
  for (size_t k = 0; k < u8.size(); ++k)
    if (f32[k] != static_cast<float>(u8[k]) / 255.0f) fail("classifyTransform: float32 is not uint8 / 255");
  ++classified;
}

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 1000;
  state = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  for (long i = 0; i < iterations; ++i) {
    switch (i % 6) {
      case 0:
        stressMasks();
        break;
      case 1:
        stressContours();
        break;
      case 2:
        stressPolygons();
        break;
      case 3:
        stressObb();
        break;
      case 4:
        stressExtras();
        break;
      case 5:
        stressClassify();
        break;
    }
  }
  std::printf("ok %ld masks=%llu contours=%llu polygons=%llu rotated=%llu extras=%llu classified=%llu\n", iterations, (unsigned long long)masks,
              (unsigned long long)contours, (unsigned long long)polygons, (unsigned long long)rotated, (unsigned long long)extras,
              (unsigned long long)classified);
  return 0;
}
