// What a serialized plan holds: IO tensors, optimization profiles, device memory. Deserializing is also the
// only reliable compatibility test: a plan from another TensorRT version or GPU fails here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "trt/builder.h"
#include "trt/logger.h"

namespace trtjs::trt {

struct TensorDesc {
  std::string name;
  bool input = false;
  int dtype = 0;  // nvinfer1::DataType as int; named in lib/
  std::vector<int64_t> shape;  // -1 where dynamic
};

struct EngineDesc {
  std::vector<TensorDesc> tensors;
  std::vector<std::vector<ProfileInput>> profiles;  // per profile, the range of each input with runtime dims
  int64_t deviceMemory = 0;
  int layers = 0;
};

// Throws CodedError: ERR_TRT_UNAVAILABLE, ERR_ENGINE_INCOMPATIBLE (with TensorRT's own errors), ERR_CUDA.
EngineDesc inspectEngine(const uint8_t* plan, size_t size, int device);

// The pieces inspectEngine is made of, for the runtime: a deserialized engine (ERR_ENGINE_INCOMPATIBLE with what
// TensorRT logged when it refuses the plan) and its description.
nvinfer1::ICudaEngine* deserialize(nvinfer1::IRuntime& runtime, const Capture& logged, const uint8_t* plan, size_t size);
EngineDesc describeEngine(const nvinfer1::ICudaEngine& engine);

}  // namespace trtjs::trt
