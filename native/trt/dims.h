// nvinfer1::Dims to and from the int64 vectors the rest of the addon uses (-1 stays -1 for dynamic dims).
#pragma once
#include "trt/namespace.h"

#include <NvInferRuntime.h>

#include <cstdint>
#include <vector>

namespace trtjs::TRTJS_TRT_NS {

inline std::vector<int64_t> toVector(const nvinfer1::Dims& d) {
  std::vector<int64_t> out;
  for (int32_t i = 0; i < d.nbDims; ++i) out.push_back(static_cast<int64_t>(d.d[i]));
  return out;
}

// Whether a shape has a runtime (-1) dimension.
inline bool hasDynamicDim(const std::vector<int64_t>& dims) {
  for (int64_t d : dims)
    if (d < 0) return true;
  return false;
}

// Callers pass at most Dims::MAX_DIMS values (the shapes come from the engine or are checked against its rank);
// nbDims is clamped all the same, so TensorRT never reads past d.d.
inline nvinfer1::Dims toDims(const std::vector<int64_t>& v) {
  nvinfer1::Dims d{};
  d.nbDims = static_cast<int32_t>(v.size() < static_cast<size_t>(nvinfer1::Dims::MAX_DIMS) ? v.size() : static_cast<size_t>(nvinfer1::Dims::MAX_DIMS));
  for (size_t i = 0; i < v.size() && i < static_cast<size_t>(nvinfer1::Dims::MAX_DIMS); ++i) d.d[i] = static_cast<decltype(d.d[0] + 0)>(v[i]);
  return d;
}

}  // namespace trtjs::TRTJS_TRT_NS
