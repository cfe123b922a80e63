// The per-task channels of the detections decode kept: mask coefficients (segment), keypoints (pose), the angle
// (obb), read from each detection's head row (Detections::anchors).
#pragma once
#include <cstdint>
#include <vector>

#include "cpu/decode.h"

namespace trtjs::cpu {

// Copies channels [first, first + count) of the head row of every detection in `d` into `out` (count per detection,
// float). `data` and `o` are what decode was given; channels are counted as decode counts them (for AnchorFree the
// channel index runs over rows when channelsFirst, else over columns). The caller checks first + count <= channels.
void gatherExtras(const float* data, const DecodeOptions& o, const Detections& d, int first, int count, std::vector<float>& out);
void gatherExtras(const uint16_t* data, const DecodeOptions& o, const Detections& d, int first, int count, std::vector<float>& out);

}  // namespace trtjs::cpu
