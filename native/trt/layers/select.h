// Which compiled TensorRT layer serves this process: the one whose major matches the libnvinfer found. Decided once,
// on first use (it opens libraries, so callers reach it off the JS thread), and never changed afterwards.
#pragma once
#include <string>
#include <vector>

#include "trt/layers/layer.h"

namespace trtjs::trt {

// The layers compiled into this binary, newest major first.
const std::vector<const Layer*>& compiledLayers();

// "11.1.0,10.3.0": the headers of each compiled layer, in compiledLayers() order.
std::string compiledHeaders();

struct Selection {
  const Layer* layer = nullptr;  // serves the libnvinfer it opened; nullptr when none could
  std::string error;             // when none: what was found or not, and the command or setting that fixes it
};

// Tries the compiled layers newest major first (only TRTJS_TENSORRT_MAJOR's when set) and keeps the first whose
// libnvinfer loads. When none does, looks for a libnvinfer of a major not compiled in, to name it and the rebuild
// that adds its layer. Never throws.
const Selection& selection();

// The selected layer, or CodedError ERR_TRT_UNAVAILABLE with selection().error.
const Layer& activeLayer();

}  // namespace trtjs::trt
