// YOLO decode + NMS on the device, with the CPU decode's results (native/cpu/decode.cpp: Ultralytics'
// non_max_suppression, torchvision's greedy NMS), detection for detection and in the same order. Written so that
// emulateDecode (kernels.h) runs these very functions on the host, which is how CI tests them.
//
// Heads with NMS (YOLOv5 with objectness, YOLOv8/11 [4+nc, N] or [N, 4+nc]), one batch item per block:
// 1. candidates (one thread per anchor): the anchor's class maximum (torch.amax's NaN rule), the conf and class
//    filters, appended as 64-bit keys (score descending, then candidate index) to the item's key list, in any order;
// 2. NMS (one block per item): the next up-to-2048 keys in key order are picked by a radix select over the key list
//    (only when it holds more than 2048), bitonic-sorted in shared memory and visited in tiles of 256: each
//    candidate is tested against the boxes kept so far (in parallel), then against the earlier candidates of its
//    tile through a 256x256 suppression bitmask resolved by one thread in visiting order. Keys are unique, so the
//    order is exactly the CPU's stable sort by score (ties by candidate index), and a candidate is dropped exactly
//    when a box kept before it overlaps it: torchvision's greedy result. Stops at maxDet kept or maxNms visited.
// End-to-end heads [N, 6]: one block per item keeps the first maxDet rows over conf, then applies the class filter.
//
// Each item's detections land in one output block (DetectionsView), so a single copy brings all of them back.
#pragma once
#include <math.h>  // ::rintf on the host and the device

#include <cstddef>
#include <cstdint>
#include <string>

#include "cpu/decode.h"
#include "cpu/half.h"
#include "cpu/hd.h"
#include "cuda/block.h"

namespace trtjs::cuda {

constexpr int kDecodeThreads = 256;  // threads per block, both kernels; also the radix of the select (8 bits)
constexpr int kNmsChunk = 2048;      // keys sorted at once in shared memory
constexpr int kNmsTile = 256;        // candidates resolved against each other at once
constexpr int kNmsMaskWords = kNmsTile / 64;
static_assert(kNmsTile == kDecodeThreads && kDecodeThreads == 256, "one candidate and one histogram bin per thread");

// Ultralytics (and YOLOv5) shift each box by class * max_wh so that one class-agnostic NMS acts per class.
constexpr float kMaxWh = 7680.0f;

struct DecodeLaunch {
  const void* data;  // batch x itemElems values, float32 or float16 bits
  bool half;
  int64_t itemElems;
  cpu::HeadFormat format;
  bool channelsFirst;
  int rows, cols, nc;
  float conf;
  double iou;
  int maxDet, maxNms;
  bool agnostic;
  bool multiLabel;         // as used: the option and nc > 1
  const int32_t* classes;  // class filter (device memory on the device), nullptr: all
  int numClasses;
  int batch;
  int anchors;       // anchors (rows for YOLOv5 and end-to-end heads)
  int64_t capacity;  // keys an item can produce: anchors, or anchors * nc with multiLabel
  int keep;          // detections an item can return (the output's rows per item)
  // Workspace (decodeWorkspaceBytes, bindDecodeWorkspace).
  int32_t* counts;     // keys per item
  uint64_t* keys;      // batch x capacity
  int32_t* bestClass;  // batch x anchors: the single-label class of each candidate anchor
  float* keptBox;      // batch x keep x 4: kept boxes with their class offset
  float* keptArea;     // batch x keep
  // Output (decodeOutputBytes): per item, a DetectionsView block of outItemBytes.
  uint8_t* out;
  int64_t outItemBytes;
};

// One item's results: header[0] detections, header[1] candidates before NMS (rows over conf for end-to-end heads),
// header[2] chunks NMS sorted, header[3] broken invariants (a selected chunk of the wrong size: always 0 unless the
// kernel is wrong), then `keep` rows of each array; the first header[0] are valid.
struct DetectionsView {
  int32_t* header;
  float* boxes;  // x1, y1, x2, y2
  float* scores;
  int32_t* classes;
  int32_t* anchors;  // the anchor (row) each detection came from
};

TRTJS_HD int64_t detectionsBytes(int keep) { return 16 + static_cast<int64_t>(keep) * 28; }

TRTJS_HD DetectionsView detectionsOf(uint8_t* itemBase, int keep) {
  DetectionsView v;
  v.header = reinterpret_cast<int32_t*>(itemBase);
  v.boxes = reinterpret_cast<float*>(itemBase + 16);
  v.scores = v.boxes + 4 * static_cast<int64_t>(keep);
  v.classes = reinterpret_cast<int32_t*>(v.scores + keep);
  v.anchors = v.classes + keep;
  return v;
}

// Checks the options as the CPU decode does and fills the shape part of `launch` (data, workspace and output
// pointers are the caller's). Returns "" or what is wrong; a shape that decodes to nothing on the CPU is valid here
// too and gives empty results.
inline std::string makeDecodeLaunch(const cpu::DecodeOptions& o, const void* data, bool half, int batch, DecodeLaunch& launch) {
  if (batch < 1 || batch > 65535) return "batch must be in [1, 65535]";
  if (o.rows < 0 || o.cols < 0 || o.nc < 0) return "negative shape";
  launch = DecodeLaunch{};
  launch.data = data;
  launch.half = half;
  launch.itemElems = static_cast<int64_t>(o.rows) * o.cols;
  launch.format = o.format;
  launch.channelsFirst = o.format == cpu::HeadFormat::AnchorFree && o.channelsFirst;
  launch.rows = o.rows;
  launch.cols = o.cols;
  launch.nc = o.nc;
  launch.conf = o.conf;
  launch.iou = o.iou;
  launch.maxDet = o.maxDet;
  launch.maxNms = o.maxNms;
  launch.agnostic = o.agnostic;
  launch.multiLabel = o.multiLabel && o.nc > 1;
  launch.classes = o.classes;
  launch.numClasses = static_cast<int>(o.numClasses);
  launch.batch = batch;
  // A head whose shape has fewer channels than it needs decodes to nothing (as on the CPU): no anchors.
  const int channels = launch.channelsFirst ? o.rows : o.cols;
  int64_t anchors = launch.channelsFirst ? o.cols : o.rows;
  bool usable = o.rows > 0 && o.cols > 0;
  if (o.format == cpu::HeadFormat::EndToEnd)
    usable = usable && channels >= 6;
  else if (o.format == cpu::HeadFormat::AnchorBased)
    usable = usable && o.nc > 0 && channels >= 5 + o.nc;
  else
    usable = usable && o.nc > 0 && channels >= 4 + o.nc;
  if (!usable) anchors = 0;
  launch.anchors = static_cast<int>(anchors);
  if (o.format == cpu::HeadFormat::EndToEnd) {
    launch.capacity = 0;
    launch.keep = static_cast<int>(o.maxDet > 0 && o.maxDet < anchors ? o.maxDet : anchors);
  } else {
    launch.capacity = launch.multiLabel ? anchors * o.nc : anchors;
    // Keys carry the candidate index in 32 bits and the kernels index candidates with int.
    if (launch.capacity > INT32_MAX) return "too many anchors x classes for one decode";
    launch.keep = static_cast<int>(o.maxDet > 0 && o.maxDet < launch.capacity ? o.maxDet : launch.capacity);
  }
  if (launch.keep < 1) launch.keep = 1;  // an empty result still has its header
  launch.outItemBytes = detectionsBytes(launch.keep);
  return "";
}

inline int64_t decodeOutputBytes(const DecodeLaunch& L) { return L.outItemBytes * L.batch; }

namespace detail {
inline int64_t align256(int64_t n) { return (n + 255) / 256 * 256; }
}  // namespace detail

inline int64_t decodeWorkspaceBytes(const DecodeLaunch& L) {
  using detail::align256;
  return align256(4 * int64_t{L.batch}) + align256(8 * L.capacity * L.batch) + align256(4 * int64_t{L.anchors} * L.batch) +
         align256(16 * int64_t{L.keep} * L.batch) + align256(4 * int64_t{L.keep} * L.batch);
}

// Points the workspace arrays into `ws` (decodeWorkspaceBytes bytes, 256-byte aligned).
inline void bindDecodeWorkspace(DecodeLaunch& L, void* ws) {
  using detail::align256;
  auto* p = static_cast<uint8_t*>(ws);
  L.counts = reinterpret_cast<int32_t*>(p);
  p += align256(4 * int64_t{L.batch});
  L.keys = reinterpret_cast<uint64_t*>(p);
  p += align256(8 * L.capacity * L.batch);
  L.bestClass = reinterpret_cast<int32_t*>(p);
  p += align256(4 * int64_t{L.anchors} * L.batch);
  L.keptBox = reinterpret_cast<float*>(p);
  p += align256(16 * int64_t{L.keep} * L.batch);
  L.keptArea = reinterpret_cast<float*>(p);
}

// ---- per-element arithmetic ----------------------------------------------------------------------------------------

TRTJS_HD float valueAt(const DecodeLaunch& L, int b, int64_t i) {
  const int64_t at = static_cast<int64_t>(b) * L.itemElems + i;
  return L.half ? cpu::halfToFloat(static_cast<const uint16_t*>(L.data)[at]) : static_cast<const float*>(L.data)[at];
}

// Element index of channel k of anchor a within an item.
TRTJS_HD int64_t channelAt(const DecodeLaunch& L, int a, int k) {
  return L.channelsFirst ? static_cast<int64_t>(k) * L.anchors + a : static_cast<int64_t>(a) * L.cols + k;
}

// Ascending key order = descending score, then ascending candidate index: the CPU's stable sort by score. Scores of
// candidates are > conf, never NaN; -0 is folded into +0, which the CPU's comparison treats as equal.
TRTJS_HD uint64_t candidateKey(float score, uint32_t index) {
  const uint32_t u = hd::floatBits(score == 0.0f ? 0.0f : score);
  const uint32_t ascending = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  return static_cast<uint64_t>(~ascending) << 32 | index;
}

TRTJS_HD float keyScore(uint64_t key) {
  const uint32_t ascending = ~static_cast<uint32_t>(key >> 32);
  return hd::bitsFloat((ascending & 0x80000000u) ? (ascending & 0x7fffffffu) : ~ascending);
}

// Ultralytics: `(x[:, 5:6] == classes).any(1)` on class indices 0..nc-1.
TRTJS_HD bool classAllowed(const DecodeLaunch& L, int k) {
  if (L.classes == nullptr) return true;
  for (int j = 0; j < L.numClasses; ++j)
    if (L.classes[j] == k) return true;
  return false;
}

// Class score k of anchor a, as the CPU forms it: the raw value (YOLOv8), or value * objectness (YOLOv5).
TRTJS_HD float classScore(const DecodeLaunch& L, int b, int a, int k, float obj) {
  if (L.format == cpu::HeadFormat::AnchorBased) return hd::mulRn(valueAt(L, b, channelAt(L, a, 5 + k)), obj);
  return valueAt(L, b, channelAt(L, a, 4 + k));
}

// The candidates of anchor a of item b: emit(key) for each, and the single-label class in bestClass.
template <class Emit>
TRTJS_HD void anchorCandidates(const DecodeLaunch& L, int b, int a, Emit&& emit) {
  const int nc = L.nc;
  float obj = 1.0f;
  if (L.format == cpu::HeadFormat::AnchorBased) {
    // `xc = prediction[..., 4] > conf_thres`
    obj = valueAt(L, b, channelAt(L, a, 4));
    if (!(obj > L.conf)) return;
  }
  // The class maximum with torch.amax's NaN rule (a NaN is taken and kept). YOLOv5 multi-label keeps every class
  // over conf even when another is NaN, so it needs no maximum.
  float best = hd::bitsFloat(0xff800000u);  // -inf
  if (!(L.multiLabel && L.format == cpu::HeadFormat::AnchorBased)) {
    for (int k = 0; k < nc; ++k) {
      const float v = classScore(L, b, a, k, obj);
      if (v > best || hd::isNan(v)) best = v;
    }
    if (!(best > L.conf)) return;
  }
  if (L.multiLabel) {
    // `i, j = torch.where(cls > conf_thres)`: anchor-major, class-minor order.
    for (int k = 0; k < nc; ++k) {
      const float v = classScore(L, b, a, k, obj);
      if (v > L.conf && classAllowed(L, k)) emit(candidateKey(v, static_cast<uint32_t>(a) * static_cast<uint32_t>(nc) + k));
    }
    return;
  }
  // `conf, j = cls.max(1)`: the first class holding the maximum.
  int k = 0;
  while (k < nc && !(classScore(L, b, a, k, obj) == best)) ++k;
  if (k < nc && classAllowed(L, k)) {
    L.bestClass[static_cast<int64_t>(b) * L.anchors + a] = k;
    emit(candidateKey(best, static_cast<uint32_t>(a)));
  }
}

// A candidate as NMS sees it: its box (xywh2xyxy as Ultralytics writes it), the box shifted by its class offset,
// the shifted box's area, score, class and anchor.
struct Candidate {
  float raw[4];
  float box[4];
  float area;
  float score;
  int32_t cls;
  int32_t anchor;
};

TRTJS_HD void loadCandidate(const DecodeLaunch& L, int b, uint64_t key, float* raw, float* box, float& area, float& score, int32_t& cls, int32_t& anchor) {
  const uint32_t index = static_cast<uint32_t>(key);
  if (L.multiLabel) {
    anchor = static_cast<int32_t>(index / static_cast<uint32_t>(L.nc));
    cls = static_cast<int32_t>(index % static_cast<uint32_t>(L.nc));
  } else {
    anchor = static_cast<int32_t>(index);
    cls = L.bestClass[static_cast<int64_t>(b) * L.anchors + anchor];
  }
  score = keyScore(key);
  const float cx = valueAt(L, b, channelAt(L, anchor, 0)), cy = valueAt(L, b, channelAt(L, anchor, 1));
  const float hw = hd::divRn(valueAt(L, b, channelAt(L, anchor, 2)), 2.0f);
  const float hh = hd::divRn(valueAt(L, b, channelAt(L, anchor, 3)), 2.0f);
  raw[0] = cx - hw;
  raw[1] = cy - hh;
  raw[2] = cx + hw;
  raw[3] = cy + hh;
  // `c = x[:, 5:6] * (0 if agnostic else max_wh)`; `boxes = x[:, :4] + c`, both float32.
  const float offset = hd::mulRn(static_cast<float>(cls), L.agnostic ? 0.0f : kMaxWh);
  for (int k = 0; k < 4; ++k) box[k] = raw[k] + offset;
  area = hd::mulRn(box[2] - box[0], box[3] - box[1]);
}

// torchvision's CPU test, operand for operand (cpu/nms.cpp): does kept box a suppress the later box b?
TRTJS_HD bool suppresses(const float* a, float aArea, const float* b, float bArea, double iou) {
  const float xx1 = hd::maxOf(a[0], b[0]);
  const float yy1 = hd::maxOf(a[1], b[1]);
  const float xx2 = hd::minOf(a[2], b[2]);
  const float yy2 = hd::minOf(a[3], b[3]);
  const float w = hd::maxOf(0.0f, xx2 - xx1);
  const float h = hd::maxOf(0.0f, yy2 - yy1);
  const float inter = hd::mulRn(w, h);
  const float ovr = hd::divRn(inter, aArea + bArea - inter);
  return static_cast<double>(ovr) > iou;
}

// ---- the NMS block -------------------------------------------------------------------------------------------------

struct NmsShared {
  uint64_t chunk[kNmsChunk];
  int hist[256];
  float raw[kNmsTile][4];
  float box[kNmsTile][4];
  float area[kNmsTile];
  float score[kNmsTile];
  int32_t cls[kNmsTile];
  int32_t anchor[kNmsTile];
  uint64_t mask[kNmsTile][kNmsMaskWords];
  uint8_t ok[kNmsTile];
  uint64_t lower, pivot;
  int count, m, limit, kept, processed, chunkN, gathered, sortN, need, hasLower, done, rounds, faults;
};

template <class Block>
TRTJS_HD void nmsItem(Block& blk, const DecodeLaunch& L, NmsShared& s, int b) {
  constexpr int T = kDecodeThreads;
  const uint64_t* keys = L.keys + static_cast<int64_t>(b) * L.capacity;
  float* keptBox = L.keptBox + static_cast<int64_t>(b) * L.keep * 4;
  float* keptArea = L.keptArea + static_cast<int64_t>(b) * L.keep;
  const DetectionsView out = detectionsOf(L.out + static_cast<int64_t>(b) * L.outItemBytes, L.keep);

  blk.single([&] {
    s.count = L.counts[b];
    // `x[:, 4].argsort(descending=True)[:max_nms]`
    s.m = L.maxNms > 0 && s.count > L.maxNms ? L.maxNms : s.count;
    s.limit = L.keep;
    s.kept = 0;
    s.processed = 0;
    s.hasLower = 0;
    s.lower = 0;
    s.done = s.m == 0;
    s.rounds = 0;
    s.faults = 0;
  });
  while (!s.done) {
    // The next chunk: the chunkN smallest keys above `lower`. `pivot` becomes the largest of them.
    blk.single([&] {
      s.chunkN = hd::minOf(kNmsChunk, s.m - s.processed);
      s.need = s.chunkN;
      s.gathered = 0;
      s.pivot = s.count > kNmsChunk ? 0 : ~uint64_t{0};  // a list that fits is taken whole
    });
    if (s.count > kNmsChunk) {
      // Radix select, most significant byte first: the byte of the need-th smallest remaining key, then the next.
      for (int shift = 56; shift >= 0; shift -= 8) {
        blk.forEach([&](int t) { s.hist[t] = 0; });
        blk.forEach([&](int t) {
          for (int i = t; i < s.count; i += T) {
            const uint64_t k = keys[i];
            if (s.hasLower && k <= s.lower) continue;
            if (shift < 56 && (k >> (shift + 8)) != (s.pivot >> (shift + 8))) continue;
            hd::fetchAdd(&s.hist[(k >> shift) & 255], 1);
          }
        });
        blk.single([&] {
          int d = 0;
          while (s.need > s.hist[d]) s.need -= s.hist[d++];
          s.pivot |= static_cast<uint64_t>(d) << shift;
        });
      }
    }
    blk.forEach([&](int t) {
      for (int i = t; i < s.count; i += T) {
        const uint64_t k = keys[i];
        if ((!s.hasLower || k > s.lower) && k <= s.pivot) {
          const int slot = hd::fetchAdd(&s.gathered, 1);
          if (slot < kNmsChunk) s.chunk[slot] = k;
        }
      }
    });
    blk.single([&] {
      // A selected chunk holds exactly chunkN keys (keys are unique); a list that fits is taken whole.
      if (s.gathered != (s.count > kNmsChunk ? s.chunkN : s.count)) ++s.faults;
      if (s.gathered > kNmsChunk) s.gathered = kNmsChunk;
      ++s.rounds;
      s.sortN = 2;
      while (s.sortN < s.gathered) s.sortN <<= 1;
    });
    blk.forEach([&](int t) {
      for (int i = s.gathered + t; i < s.sortN; i += T) s.chunk[i] = ~uint64_t{0};
    });
    // Bitonic sort, ascending (keys are unique; the padding sorts last).
    for (int size = 2; size <= s.sortN; size <<= 1) {
      for (int stride = size >> 1; stride > 0; stride >>= 1) {
        blk.forEach([&](int t) {
          for (int i = t; i < s.sortN; i += T) {
            const int j = i ^ stride;
            if (j <= i) continue;
            const uint64_t a = s.chunk[i], c = s.chunk[j];
            if ((a > c) == ((i & size) == 0)) {
              s.chunk[i] = c;
              s.chunk[j] = a;
            }
          }
        });
      }
    }
    for (int t0 = 0; t0 < s.chunkN && !s.done; t0 += kNmsTile) {
      // Each candidate of the tile against every box kept so far.
      blk.forEach([&](int t) {
        const int i = t0 + t;
        s.ok[t] = 0;
        if (i >= s.chunkN) return;
        loadCandidate(L, b, s.chunk[i], s.raw[t], s.box[t], s.area[t], s.score[t], s.cls[t], s.anchor[t]);
        for (int k = 0; k < s.kept; ++k)
          if (suppresses(keptBox + 4 * k, keptArea[k], s.box[t], s.area[t], L.iou)) return;
        s.ok[t] = 1;
      });
      // Row t of the tile's suppression mask: the later candidates that candidate t would drop.
      blk.forEach([&](int t) {
        const int n = hd::minOf(kNmsTile, s.chunkN - t0);
        for (int w = 0; w < kNmsMaskWords; ++w) {
          uint64_t bits = 0;
          if (s.ok[t]) {
            const int end = hd::minOf(n, (w + 1) * 64);
            for (int j = hd::maxOf(t + 1, w * 64); j < end; ++j)
              if (s.ok[j] && suppresses(s.box[t], s.area[t], s.box[j], s.area[j], L.iou)) bits |= uint64_t{1} << (j - w * 64);
          }
          s.mask[t][w] = bits;
        }
      });
      // The greedy pass over the tile, in visiting order.
      blk.single([&] {
        const int n = hd::minOf(kNmsTile, s.chunkN - t0);
        uint64_t removed[kNmsMaskWords] = {};
        for (int j = 0; j < n; ++j) {
          if (!s.ok[j] || ((removed[j >> 6] >> (j & 63)) & 1)) continue;
          const int k = s.kept++;
          for (int c = 0; c < 4; ++c) {
            keptBox[4 * k + c] = s.box[j][c];
            out.boxes[4 * k + c] = s.raw[j][c];
          }
          keptArea[k] = s.area[j];
          out.scores[k] = s.score[j];
          out.classes[k] = s.cls[j];
          out.anchors[k] = s.anchor[j];
          if (s.kept >= s.limit) {
            s.done = 1;  // later boxes could only be dropped, never kept
            break;
          }
          for (int w = 0; w < kNmsMaskWords; ++w) removed[w] |= s.mask[j][w];
        }
      });
    }
    blk.single([&] {
      s.processed += s.chunkN;
      s.lower = s.chunk[s.chunkN - 1];
      s.hasLower = 1;
      if (s.processed >= s.m) s.done = 1;
    });
  }
  blk.single([&] {
    out.header[0] = s.kept;
    out.header[1] = s.count;
    out.header[2] = s.rounds;
    out.header[3] = s.faults;
  });
}

// ---- end-to-end heads ----------------------------------------------------------------------------------------------

struct EndToEndShared {
  uint8_t pass[kDecodeThreads];  // 0: under conf, 1: taken but filtered out by class, 2: kept
  int pos[kDecodeThreads];
  int taken, written;
};

template <class Block>
TRTJS_HD void endToEndItem(Block& blk, const DecodeLaunch& L, EndToEndShared& s, int b) {
  constexpr int T = kDecodeThreads;
  const DetectionsView out = detectionsOf(L.out + static_cast<int64_t>(b) * L.outItemBytes, L.keep);
  const int rows = L.anchors;  // 0 when the shape is unusable
  const int64_t cols = L.cols;
  // Ultralytics: `pred[pred[:, 4] > conf][:max_det]`, then the class filter on those rows.
  const int limit = L.maxDet > 0 ? L.maxDet : rows;
  blk.single([&] {
    s.taken = 0;
    s.written = 0;
  });
  for (int r0 = 0; r0 < rows && s.taken < limit; r0 += T) {
    blk.forEach([&](int t) {
      const int r = r0 + t;
      s.pass[t] = 0;
      if (r >= rows || !(valueAt(L, b, r * cols + 4) > L.conf)) return;
      s.pass[t] = 2;
      if (L.classes != nullptr) {
        // `(pred[:, 5:6] == classes).any(1)`: the int ids promoted to float32 and compared exactly.
        const float clsValue = valueAt(L, b, r * cols + 5);
        bool hit = false;
        for (int k = 0; k < L.numClasses && !hit; ++k) hit = clsValue == static_cast<float>(L.classes[k]);
        if (!hit) s.pass[t] = 1;
      }
    });
    blk.single([&] {
      for (int t = 0; t < T; ++t) s.pos[t] = -1;
      for (int t = 0; t < T && s.taken < limit; ++t) {
        if (s.pass[t] == 0) continue;
        ++s.taken;
        if (s.pass[t] == 2) s.pos[t] = s.written++;
      }
    });
    blk.forEach([&](int t) {
      const int k = s.pos[t];
      if (k < 0) return;
      const int64_t r = r0 + t;
      for (int c = 0; c < 4; ++c) out.boxes[4 * k + c] = valueAt(L, b, r * cols + c);
      out.scores[k] = valueAt(L, b, r * cols + 4);
      // The class column is an integer in float; anything that is not a representable int32 is reported as -1.
      const float clsValue = valueAt(L, b, r * cols + 5);
      const bool representable = clsValue >= -2147483648.0f && clsValue < 2147483648.0f;
      out.classes[k] = representable ? static_cast<int32_t>(rintf(clsValue)) : -1;
      out.anchors[k] = static_cast<int32_t>(r);
    });
  }
  blk.single([&] {
    out.header[0] = s.written;
    out.header[1] = s.taken;
    out.header[2] = 0;
    out.header[3] = 0;
  });
}

}  // namespace trtjs::cuda
