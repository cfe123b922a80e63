// What a serialized plan holds: IO tensors and their memory layouts, optimization profiles, device memory. Deserializing
// is also the only reliable compatibility test: a plan from another TensorRT version or GPU fails here.
#pragma once
#include "trt/namespace.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "trt/logger.h"

namespace trtjs::TRTJS_TRT_NS {

// Throws CodedError: ERR_TRT_UNAVAILABLE, ERR_ENGINE_INCOMPATIBLE (with TensorRT's own errors), ERR_CUDA.
EngineDesc inspectEngine(const uint8_t* plan, size_t size, int device, const LoadOptions& options);

// The pieces inspectEngine is made of, for the runtime: a runtime set up for `options`, a deserialized engine
// (ERR_ENGINE_INCOMPATIBLE with what TensorRT logged when it refuses the plan) and its description.
void configureRuntime(nvinfer1::IRuntime& runtime, const LoadOptions& options);
nvinfer1::ICudaEngine* deserialize(nvinfer1::IRuntime& runtime, const Capture& logged, const uint8_t* plan, size_t size, const LoadOptions& options);
EngineDesc describeEngine(const nvinfer1::ICudaEngine& engine);

}  // namespace trtjs::TRTJS_TRT_NS
