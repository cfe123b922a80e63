// YOLO output decoding with Ultralytics' non_max_suppression semantics, one batch item at a time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trtjs::cpu {

enum class HeadFormat { AnchorBased /* v5 [N, 5+nc] */, AnchorFree /* v8/11 [4+nc, N] or [N, 4+nc] */, EndToEnd /* [N, 6+] */ };

struct DecodeOptions {
  HeadFormat format = HeadFormat::AnchorFree;
  bool channelsFirst = true;  // AnchorFree: [4+nc, N] as Ultralytics exports it
  int rows = 0, cols = 0;     // 2-D shape of one batch item as stored
  int nc = 0;
  float conf = 0.25f, iou = 0.7f;
  int maxDet = 300, maxNms = 30000;
  bool agnostic = false, multiLabel = false;
  const int32_t* classes = nullptr;
  size_t numClasses = 0;
};

struct Detections {
  std::vector<float> boxes;  // x1, y1, x2, y2
  std::vector<float> scores;
  std::vector<int32_t> classes;
};

// The caller guarantees rows*cols elements and enough channels for the format (checked in the N-API glue).
void decode(const float* data, const DecodeOptions& o, Detections& out);
void decode(const uint16_t* data, const DecodeOptions& o, Detections& out);  // float16 bits

}  // namespace trtjs::cpu
