// Random and hostile inputs through the portable CPU ops (decode, NMS, letterbox), built with AddressSanitizer and
// UndefinedBehaviorSanitizer by test/unit/native-stress.test.ts: any read or write outside a buffer, or undefined
// behaviour, aborts the run. Every buffer is allocated at exactly the size the op is told, so an overread is caught.
// Each op's documented invariants are checked on its output as well.
//   ops_stress <iterations> <seed>    prints "ok <iterations> <counts>" or "FAIL ..." (exit 1)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "cpu/decode.h"
#include "cpu/half.h"
#include "cpu/letterbox.h"
#include "cpu/nms.h"

using namespace trtjs::cpu;

namespace {

uint64_t state = 0;
// How much each op really produced, so a run that exercised nothing is visible.
uint64_t detections = 0, kept = 0, letterboxed = 0, refused = 0;
uint64_t next() {  // splitmix64
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
int between(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1)); }
double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
bool chance(double p) { return unit() < p; }

// Mostly plausible values, sometimes hostile ones.
float value(float scale) {
  if (chance(0.01)) return std::numeric_limits<float>::quiet_NaN();
  if (chance(0.005)) return chance(0.5) ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
  if (chance(0.005)) return chance(0.5) ? 3e38f : -3e38f;
  return static_cast<float>(unit() * scale - (chance(0.1) ? scale / 2 : 0));
}

[[noreturn]] void fail(const std::string& what, uint64_t iteration) {
  std::printf("FAIL at iteration %llu: %s\n", static_cast<unsigned long long>(iteration), what.c_str());
  std::exit(1);
}

void checkDecode(uint64_t it) {
  DecodeOptions o;
  o.format = static_cast<HeadFormat>(between(0, 2));
  o.channelsFirst = chance(0.5);
  o.nc = between(0, 12);
  const int needed = o.format == HeadFormat::AnchorBased ? 5 + o.nc : o.format == HeadFormat::AnchorFree ? 4 + o.nc : 6;
  // Channels: usually enough (with extras, as masks and keypoints add), sometimes too few.
  const int channels = chance(0.1) ? between(0, needed) : needed + between(0, 3);
  const int anchors = between(0, 300);
  const bool channelMajor = o.format == HeadFormat::AnchorFree && o.channelsFirst;
  o.rows = channelMajor ? channels : anchors;
  o.cols = channelMajor ? anchors : channels;
  if (chance(0.02)) o.rows = -between(0, 3);
  o.conf = static_cast<float>(chance(0.1) ? value(1) : unit());
  o.iou = unit();
  o.maxDet = between(-1, 60);
  o.maxNms = between(-1, 200);
  o.agnostic = chance(0.3);
  o.multiLabel = chance(0.3);
  std::vector<int32_t> classes;
  if (chance(0.3)) {
    for (int k = between(0, 4); k > 0; --k) classes.push_back(between(-3, o.nc + 3));
    o.classes = classes.data();
    o.numClasses = classes.size();
  }
  const size_t n = o.rows > 0 && o.cols > 0 ? static_cast<size_t>(o.rows) * static_cast<size_t>(o.cols) : 0;
  const float scale = chance(0.5) ? 1.0f : 640.0f;
  std::vector<float> data(n);
  for (float& v : data) v = value(scale);
  std::vector<uint16_t> halves(n);
  for (size_t i = 0; i < n; ++i) halves[i] = floatToHalf(data[i]);

  for (int pass = 0; pass < 2; ++pass) {
    Detections d;
    d.scores.push_back(42);  // decode must replace what was there
    if (pass == 0)
      decode(data.data(), o, d);
    else
      decode(halves.data(), o, d);
    const size_t count = d.scores.size();
    detections += count;
    if (d.boxes.size() != count * 4 || d.classes.size() != count) fail("decode: boxes, scores and classes disagree in length", it);
    if (o.maxDet > 0 && count > static_cast<size_t>(o.maxDet)) fail("decode: more than maxDet detections", it);
    for (size_t i = 0; i < count; ++i) {
      if (!(d.scores[i] > o.conf)) fail("decode: a detection at or below conf", it);
      if (o.format != HeadFormat::EndToEnd && (d.classes[i] < 0 || d.classes[i] >= o.nc)) fail("decode: class out of range", it);
      if (o.format != HeadFormat::EndToEnd && i > 0 && d.scores[i] > d.scores[i - 1]) fail("decode: NMS output not ranked by score", it);
    }
    if (o.classes && o.format != HeadFormat::EndToEnd) {
      const std::set<int32_t> allowed(classes.begin(), classes.end());
      for (int32_t c : d.classes)
        if (!allowed.count(c)) fail("decode: a class outside the filter", it);
    }
  }
}

void checkNms(uint64_t it) {
  const size_t n = static_cast<size_t>(between(0, 250));
  std::vector<float> boxes(n * 4), scores(n);
  std::vector<int32_t> classes(n);
  for (size_t i = 0; i < n; ++i) {
    float x = value(500), y = value(500), w = value(120), h = value(120);
    boxes[i * 4] = x;
    boxes[i * 4 + 1] = y;
    boxes[i * 4 + 2] = chance(0.05) ? x - w : x + w;  // sometimes inverted
    boxes[i * 4 + 3] = y + h;
    scores[i] = chance(0.05) ? scores[i / 2] : value(1);  // ties
    classes[i] = between(0, 5);
  }
  const double iou = unit();
  const float threshold = static_cast<float>(unit() * 0.5);
  const int maxDet = between(-1, 80);
  const std::vector<int32_t> keep = nms(boxes.data(), scores.data(), chance(0.5) ? classes.data() : nullptr, n, iou, threshold, maxDet);
  if (maxDet > 0 && keep.size() > static_cast<size_t>(maxDet)) fail("nms: more than maxDet kept", it);
  kept += keep.size();
  std::set<int32_t> seen;
  for (size_t k = 0; k < keep.size(); ++k) {
    const int32_t i = keep[k];
    if (i < 0 || static_cast<size_t>(i) >= n || !seen.insert(i).second) fail("nms: an index out of range or repeated", it);
    if (!(scores[static_cast<size_t>(i)] > threshold)) fail("nms: kept a box at or below the score threshold", it);
    if (k > 0 && scores[static_cast<size_t>(i)] > scores[static_cast<size_t>(keep[k - 1])]) fail("nms: not ranked by score", it);
  }
}

void checkLetterbox(uint64_t it) {
  static const int channelsOf[] = {1, 3, 3, 4, 4};
  const int order = between(0, 4);
  Image src;
  src.width = between(1, 70);
  src.height = between(1, 70);
  src.channels = chance(0.03) ? between(1, 4) : channelsOf[order];
  src.order = static_cast<PixelOrder>(order);
  src.stride = static_cast<size_t>(src.width) * static_cast<size_t>(src.channels) + static_cast<size_t>(chance(0.5) ? between(0, 9) : 0);
  if (chance(0.02)) src.stride = static_cast<size_t>(between(0, src.width * src.channels));
  const size_t srcBytes = src.stride * static_cast<size_t>(src.height - 1) + static_cast<size_t>(src.width) * static_cast<size_t>(src.channels);
  std::vector<uint8_t> pixels(srcBytes);
  for (uint8_t& p : pixels) p = static_cast<uint8_t>(next());
  src.data = pixels.data();

  LetterboxGeometry g;
  g.resizedWidth = between(1, 100);
  g.resizedHeight = between(1, 100);
  g.padLeft = between(0, 12);
  g.padTop = between(0, 12);
  g.outWidth = g.resizedWidth + g.padLeft + between(chance(0.05) ? -5 : 0, 12);
  g.outHeight = g.resizedHeight + g.padTop + between(chance(0.05) ? -5 : 0, 12);
  if (g.outWidth < 1 || g.outHeight < 1) return;
  const OutDtype dtype = static_cast<OutDtype>(between(0, 2));
  const size_t elem = dtype == OutDtype::Float32 ? 4 : dtype == OutDtype::Float16 ? 2 : 1;
  std::vector<uint8_t> out(static_cast<size_t>(g.outWidth) * static_cast<size_t>(g.outHeight) * 3 * elem);
  LetterboxOutput o{out.data(), dtype, chance(0.5) ? OutLayout::NCHW : OutLayout::NHWC, static_cast<uint8_t>(between(0, 255))};
  const bool fits = g.resizedWidth + g.padLeft <= g.outWidth && g.resizedHeight + g.padTop <= g.outHeight;
  const bool valid = src.channels == channelsOf[order] && src.stride >= static_cast<size_t>(src.width) * static_cast<size_t>(src.channels);
  const std::string err = letterbox(src, g, o);
  if (fits && valid && !err.empty()) fail("letterbox refused valid arguments: " + err, it);
  if ((!fits || !valid) && err.empty()) fail("letterbox accepted arguments that do not fit", it);
  ++(err.empty() ? letterboxed : refused);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t iterations = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000;
  state = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  for (uint64_t i = 0; i < iterations; ++i) {
    checkDecode(i);
    checkNms(i);
    checkLetterbox(i);
  }
  std::printf("ok %llu detections=%llu kept=%llu letterboxed=%llu refused=%llu\n", static_cast<unsigned long long>(iterations),
              static_cast<unsigned long long>(detections), static_cast<unsigned long long>(kept), static_cast<unsigned long long>(letterboxed),
              static_cast<unsigned long long>(refused));
  return 0;
}
