// Inference on a deserialized plan, the trtexec way (named tensors: setInputShape, setTensorAddress,
// enqueueV3). A pool of execution contexts serves concurrent requests; each context owns a CUDA stream and device
// buffers sized once for its profile's maximum shapes.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "trt/inspect.h"

namespace trtjs::trt {

struct HostTensor {
  std::string name;
  int dtype = 0;  // nvinfer1::DataType as int
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

class EngineRuntime {
 public:
  // Throws CodedError (ERR_TRT_UNAVAILABLE, ERR_ENGINE_INCOMPATIBLE, ERR_CUDA, ERR_SHAPE).
  EngineRuntime(const uint8_t* plan, size_t size, int device, int contexts);
  ~EngineRuntime();
  EngineRuntime(const EngineRuntime&) = delete;
  EngineRuntime& operator=(const EngineRuntime&) = delete;

  const EngineDesc& describe() const { return desc_; }
  // Blocks for a free context, copies inputs in, runs, copies outputs out. Thread-safe.
  std::vector<HostTensor> run(const std::vector<HostTensor>& inputs);

 private:
  struct Context;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  EngineDesc desc_;
};

}  // namespace trtjs::trt
