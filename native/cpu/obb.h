// Oriented boxes (YOLO OBB heads) with Ultralytics' semantics: non_max_suppression(rotated=True) — candidates as for
// detection but boxes kept as (cx, cy, w, h), the angle from the last channel, the class offset added to the centres,
// then the "fast NMS" of TorchNMS.fast_nms over batch_probiou (a box is dropped when any higher-scored box, kept or not,
// has probiou >= iou with it) — and regularize_rboxes. End-to-end heads ([N, 7]: cx, cy, w, h, score, class, angle)
// are thresholded and regularized only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cpu/decode.h"

namespace trtjs::cpu {

struct RotatedDetections {
  std::vector<float> boxes;  // cx, cy, w, h, angle (radians, in [0, pi/2) after regularization)
  std::vector<float> scores;
  std::vector<int32_t> classes;
  std::vector<int32_t> anchors;  // head row of each detection
};

// `o.format` is AnchorFree (channels 4 + nc + 1, the angle last) or EndToEnd; AnchorBased is not an OBB head and
// decodes to nothing. Same bounds rules as decode.
void decodeObb(const float* data, const DecodeOptions& o, RotatedDetections& out);
void decodeObb(const uint16_t* data, const DecodeOptions& o, RotatedDetections& out);

// metrics.batch_probiou: n1 x n2 probabilistic IoUs (1 - Hellinger distance of the boxes' Gaussians) of xywhr boxes,
// float32 arithmetic in Ultralytics' order.
void batchProbiou(const float* a, size_t n1, const float* b, size_t n2, float* out);

// TorchNMS.fast_nms with batch_probiou: indices (into boxes) kept, by descending score (stable among equal scores).
std::vector<int32_t> fastNmsRotated(const float* boxes, const float* scores, size_t n, float iou);

// ops.regularize_rboxes on one xywhr box, in place.
void regularizeRbox(float* box);

}  // namespace trtjs::cpu
