// ONNX → serialized TensorRT plan, the way trtexec does it: parse, one optimization profile per entry,
// builder flags, timing cache, build. Holds no policy: shapes, defaults and FP16 strategy come from lib/build.
#pragma once
#include "trt/namespace.h"

#include <cstddef>
#include <cstdint>

namespace trtjs::TRTJS_TRT_NS {

// Throws CodedError: ERR_TRT_UNAVAILABLE, ERR_BUILD (with every parser error), ERR_SHAPE, ERR_CUDA, ERR_ABORTED.
BuildResult buildEngine(const uint8_t* onnx, size_t size, const BuildParams& params, const Progress& progress);

}  // namespace trtjs::TRTJS_TRT_NS
