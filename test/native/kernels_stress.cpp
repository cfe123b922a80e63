// The CUDA kernels' code (through its host emulation, cuda/emulate.h) fed random and hostile inputs under
// AddressSanitizer and UndefinedBehaviorSanitizer by test/unit/cuda-kernels-stress.test.ts, and compared with the CPU
// ops bit for bit. On a device an out-of-bounds read is an illegal address that kills the CUDA context; here it
// aborts the run. Every buffer is allocated at exactly the size the kernels are told.
//   kernels_stress <iterations> <seed>    prints "ok <iterations> <counts>" or "FAIL ..." (exit 1)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "cpu/decode.h"
#include "cpu/half.h"
#include "cpu/letterbox.h"
#include "cuda/emulate.h"

using namespace trtjs;
using namespace trtjs::cpu;

namespace {

uint64_t state = 0;
uint64_t detections = 0, chunked = 0, letterboxed = 0, refused = 0;
uint64_t next() {  // splitmix64
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
int between(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1)); }
double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
bool chance(double p) { return unit() < p; }

// Mostly plausible values, sometimes hostile ones; scores on a coarse grid so that ties are common.
float value(float scale, bool grid) {
  if (chance(0.01)) return std::numeric_limits<float>::quiet_NaN();
  if (chance(0.005)) return chance(0.5) ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
  if (chance(0.005)) return chance(0.5) ? 3e38f : -3e38f;
  const double u = grid ? std::floor(unit() * 32) / 32 : unit();
  return static_cast<float>(u * scale - (chance(0.1) ? scale / 2 : 0));
}

[[noreturn]] void fail(const std::string& what, uint64_t iteration) {
  std::printf("FAIL at iteration %llu: %s\n", static_cast<unsigned long long>(iteration), what.c_str());
  std::exit(1);
}

template <typename T>
std::vector<T> exactly(size_t n) {
  return std::vector<T>(n);
}

void checkDecode(uint64_t it) {
  // Every 50th case: a long candidate list with no limits, which NMS must take in several 2048-key chunks.
  const bool longList = it % 50 == 0;
  DecodeOptions o;
  o.format = longList ? static_cast<HeadFormat>(between(0, 1)) : static_cast<HeadFormat>(between(0, 2));
  o.channelsFirst = chance(0.5);
  o.nc = longList ? between(1, 9) : between(0, 9);
  const int needed = o.format == HeadFormat::AnchorBased ? 5 + o.nc : o.format == HeadFormat::AnchorFree ? 4 + o.nc : 6;
  const int channels = chance(0.1) && !longList ? between(0, needed) : needed + between(0, 3);
  // Sometimes more candidates than one NMS chunk (2048 keys).
  const int anchors = longList || chance(0.05) ? between(2049, 3000) : between(0, 400);
  const bool channelMajor = o.format == HeadFormat::AnchorFree && o.channelsFirst;
  o.rows = channelMajor ? channels : anchors;
  o.cols = channelMajor ? anchors : channels;
  // The public API takes conf in [0, 1]; scores over it are then never zero, so the sign of zero never matters.
  o.conf = chance(0.1) ? 0.0f : static_cast<float>(unit() * 0.6);
  o.iou = unit();
  o.maxDet = chance(0.3) || longList ? between(-1, 0) : between(1, 300);  // <= 0: no limit
  o.maxNms = chance(0.3) && !longList ? between(-1, 3000) : 30000;
  o.agnostic = chance(0.3);
  o.multiLabel = chance(0.3);
  std::vector<int32_t> classes;
  if (longList) o.conf = 0;
  if (chance(0.3) && !longList) {
    for (int k = between(0, 4); k > 0; --k) classes.push_back(between(-3, o.nc + 3));
    o.classes = classes.data();
    o.numClasses = classes.size();
  }
  const int batch = chance(0.2) ? between(2, 3) : 1;
  const size_t item = static_cast<size_t>(o.rows) * static_cast<size_t>(o.cols);
  const float scale = chance(0.5) ? 1.0f : 640.0f;
  std::vector<float> data(item * static_cast<size_t>(batch));
  for (float& v : data) v = value(scale, chance(0.5));
  std::vector<uint16_t> halves(data.size());
  for (size_t i = 0; i < data.size(); ++i) halves[i] = floatToHalf(data[i]);

  for (int pass = 0; pass < 2; ++pass) {
    const bool half = pass == 1;
    cuda::DecodeLaunch L;
    const std::string err = cuda::makeDecodeLaunch(o, half ? static_cast<const void*>(halves.data()) : data.data(), half, batch, L);
    if (!err.empty()) fail("makeDecodeLaunch refused valid arguments: " + err, it);
    auto ws = exactly<uint8_t>(static_cast<size_t>(cuda::decodeWorkspaceBytes(L)));
    auto out = exactly<uint8_t>(static_cast<size_t>(cuda::decodeOutputBytes(L)));
    cuda::bindDecodeWorkspace(L, ws.data());  // vector storage is aligned enough for the host
    L.out = out.data();
    cuda::emulateDecode(L, static_cast<uint32_t>(next()));
    for (int b = 0; b < batch; ++b) {
      Detections d;
      if (half)
        decode(halves.data() + item * static_cast<size_t>(b), o, d);
      else
        decode(data.data() + item * static_cast<size_t>(b), o, d);
      const cuda::DetectionsView v = cuda::detectionsOf(out.data() + L.outItemBytes * b, L.keep);
      const size_t n = static_cast<size_t>(v.header[0]);
      if (v.header[3] != 0) fail("decode kernels: broken invariant", it);
      if (n != d.scores.size()) fail("decode kernels: " + std::to_string(n) + " detections, CPU " + std::to_string(d.scores.size()), it);
      if (n &&
          (std::memcmp(v.boxes, d.boxes.data(), 16 * n) || std::memcmp(v.scores, d.scores.data(), 4 * n) || std::memcmp(v.classes, d.classes.data(), 4 * n)))
        fail("decode kernels: detections differ from the CPU decode", it);
      detections += n;
      if (v.header[2] > 1) ++chunked;
    }
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
  const int batch = chance(0.2) ? between(2, 3) : 1;
  const size_t frame = src.stride * static_cast<size_t>(src.height);
  const size_t srcBytes = frame * static_cast<size_t>(batch - 1) + src.stride * static_cast<size_t>(src.height - 1) +
                          static_cast<size_t>(src.width) * static_cast<size_t>(src.channels);
  std::vector<uint8_t> pixels(srcBytes);
  for (uint8_t& p : pixels) p = static_cast<uint8_t>(next());
  src.data = pixels.data();

  LetterboxGeometry g;
  const int kind = between(0, 3);
  g.resizedWidth = kind == 0 ? src.width : kind == 1 ? std::max(1, src.width / 2) : between(1, 100);
  g.resizedHeight = kind == 0 ? src.height : kind == 1 ? std::max(1, src.height / 2) : between(1, 100);
  g.padLeft = between(0, 12);
  g.padTop = between(0, 12);
  g.outWidth = g.resizedWidth + g.padLeft + between(chance(0.05) ? -5 : 0, 12);
  g.outHeight = g.resizedHeight + g.padTop + between(chance(0.05) ? -5 : 0, 12);
  if (g.outWidth < 1 || g.outHeight < 1) return;
  const OutDtype dtype = static_cast<OutDtype>(between(0, 2));
  const size_t elem = dtype == OutDtype::Float32 ? 4 : dtype == OutDtype::Float16 ? 2 : 1;
  const size_t tensor = static_cast<size_t>(g.outWidth) * static_cast<size_t>(g.outHeight) * 3;
  std::vector<uint8_t> gpu(tensor * elem * static_cast<size_t>(batch)), cpuOut(tensor * elem);
  const OutLayout layout = chance(0.5) ? OutLayout::NCHW : OutLayout::NHWC;
  const uint8_t pad = static_cast<uint8_t>(between(0, 255));
  cuda::LetterboxLaunch L;
  const std::string err =
      cuda::makeLetterboxLaunch(src, batch, static_cast<int64_t>(frame), g, LetterboxOutput{gpu.data(), dtype, layout, pad}, static_cast<int64_t>(tensor), L);
  const std::string cpuErr = letterbox(src, g, LetterboxOutput{cpuOut.data(), dtype, layout, pad});
  if (err.empty() != cpuErr.empty()) fail("letterbox kernel and CPU op disagree on the arguments: '" + err + "' vs '" + cpuErr + "'", it);
  if (!err.empty()) {
    ++refused;
    return;
  }
  cuda::emulateLetterbox(L);
  for (int b = 0; b < batch; ++b) {
    Image one = src;
    one.data = pixels.data() + frame * static_cast<size_t>(b);
    letterbox(one, g, LetterboxOutput{cpuOut.data(), dtype, layout, pad});
    if (std::memcmp(gpu.data() + tensor * elem * static_cast<size_t>(b), cpuOut.data(), tensor * elem)) fail("letterbox kernel differs from the CPU op", it);
  }
  ++letterboxed;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t iterations = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 500;
  state = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  for (uint64_t i = 0; i < iterations; ++i) {
    checkDecode(i);
    checkLetterbox(i);
  }
  std::printf("ok %llu detections=%llu chunked=%llu letterboxed=%llu refused=%llu\n", static_cast<unsigned long long>(iterations),
              static_cast<unsigned long long>(detections), static_cast<unsigned long long>(chunked), static_cast<unsigned long long>(letterboxed),
              static_cast<unsigned long long>(refused));
  return 0;
}
