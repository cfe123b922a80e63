// YOLO output decoding with Ultralytics' non_max_suppression semantics, one batch item at a time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trtjs::cpu {

enum class HeadFormat {
  AnchorBased /* YOLOv5 [N, 5+nc(+extra)]: cx, cy, w, h, objectness, classes */,
  AnchorFree /* YOLOv8/11 [4+nc(+extra), N] as exported, or [N, 4+nc(+extra)] */,
  EndToEnd /* [N, 6(+extra)]: x1, y1, x2, y2, score, class */
};

// Every value comes from the caller (lib/defaults.ts holds Ultralytics' defaults): the initialisers only keep a
// forgotten field from being garbage, and choose nothing.
struct DecodeOptions {
  HeadFormat format = HeadFormat::AnchorFree;
  bool channelsFirst = false;  // AnchorFree only: [4+nc, N] (Ultralytics export) rather than [N, 4+nc]
  int rows = 0, cols = 0;      // 2-D shape of one batch item as stored
  int nc = 0;                  // classes; channels past them (mask coefficients, keypoints) are ignored
  float conf = 0.0f;           // compared in float32, as torch compares a float32 tensor with a Python float
  double iou = 0.0;            // compared as a double, as torchvision's CPU kernel does (double iou_threshold)
  int maxDet = 0;              // <= 0: no limit
  int maxNms = 0;              // <= 0: no limit
  bool agnostic = false, multiLabel = false;
  const int32_t* classes = nullptr;  // keep only these classes (nullptr: all)
  size_t numClasses = 0;
};

struct Detections {
  std::vector<float> boxes;  // x1, y1, x2, y2
  std::vector<float> scores;
  std::vector<int32_t> classes;
  // Per detection, the head row it came from: the anchor index (AnchorFree, AnchorBased) or the row (EndToEnd), so
  // that per-task channels (mask coefficients, keypoints, angle) can follow the kept boxes. Multi-label may repeat one.
  std::vector<int32_t> anchors;
};

// Replaces `out`'s contents. `data` holds rows*cols values (checked by the caller). A shape with fewer channels than
// the format needs, or a non-positive dimension, decodes to nothing rather than reading out of bounds.
void decode(const float* data, const DecodeOptions& o, Detections& out);
void decode(const uint16_t* data, const DecodeOptions& o, Detections& out);  // float16 bits, widened to float first

}  // namespace trtjs::cpu
