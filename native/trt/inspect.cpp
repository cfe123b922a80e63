#include "trt/inspect.h"

#include <NvInferRuntime.h>
#include <cuda_runtime_api.h>

#include <memory>

#include "common/coded_error.h"
#include "trt/dims.h"
#include "trt/loader.h"
#include "trt/logger.h"

namespace trtjs::TRTJS_TRT_NS {

nvinfer1::ICudaEngine* deserialize(nvinfer1::IRuntime& runtime, const Capture& logged, const uint8_t* plan, size_t size) {
  nvinfer1::ICudaEngine* engine = runtime.deserializeCudaEngine(plan, size);
  if (!engine) {
    std::string why;
    for (const std::string& e : logged.errors()) why += "\n  " + e;
    throw CodedError("ERR_ENGINE_INCOMPATIBLE", "TensorRT " + status().version +
                                                    " cannot deserialize this plan (built by another TensorRT version or for another GPU, or corrupt):" + why);
  }
  return engine;
}

EngineDesc describeEngine(const nvinfer1::ICudaEngine& engine) {
  EngineDesc desc;
  for (int32_t i = 0; i < engine.getNbIOTensors(); ++i) {
    char const* name = engine.getIOTensorName(i);
    TensorDesc t;
    t.name = name;
    t.input = engine.getTensorIOMode(name) == nvinfer1::TensorIOMode::kINPUT;
    t.dtype = static_cast<int>(engine.getTensorDataType(name));
    t.shape = toVector(engine.getTensorShape(name));
    desc.tensors.push_back(std::move(t));
  }
  for (int32_t p = 0; p < engine.getNbOptimizationProfiles(); ++p) {
    std::vector<ProfileInput> profile;
    for (const TensorDesc& t : desc.tensors) {
      // Only inputs with runtime dims have a range; static ones are fixed (and validated against their shape).
      if (!t.input || !hasDynamicDim(t.shape)) continue;
      char const* name = t.name.c_str();
      profile.push_back({t.name, toVector(engine.getProfileShape(name, p, nvinfer1::OptProfileSelector::kMIN)),
                         toVector(engine.getProfileShape(name, p, nvinfer1::OptProfileSelector::kOPT)),
                         toVector(engine.getProfileShape(name, p, nvinfer1::OptProfileSelector::kMAX))});
    }
    desc.profiles.push_back(std::move(profile));
  }
#if NV_TENSORRT_MAJOR > 10 || (NV_TENSORRT_MAJOR == 10 && NV_TENSORRT_MINOR >= 1)
  desc.deviceMemory = engine.getDeviceMemorySizeV2();
#else
  desc.deviceMemory = static_cast<int64_t>(engine.getDeviceMemorySize());
#endif
  desc.layers = engine.getNbLayers();
  return desc;
}

EngineDesc inspectEngine(const uint8_t* plan, size_t size, int device) {
  const LibraryStatus& lib = status();
  if (!lib.loaded) throw CodedError("ERR_TRT_UNAVAILABLE", lib.error);
  cudaError_t err = cudaSetDevice(device);
  if (err != cudaSuccess) throw CodedError("ERR_CUDA", std::string("cudaSetDevice: ") + cudaGetErrorString(err));

  Capture logged;
  std::unique_ptr<nvinfer1::IRuntime> runtime(createRuntime());
  if (!runtime) throw CodedError("ERR_TRT_UNAVAILABLE", "createInferRuntime failed: " + logged.lastError());
  std::unique_ptr<nvinfer1::ICudaEngine> engine(deserialize(*runtime, logged, plan, size));
  return describeEngine(*engine);
}

}  // namespace trtjs::TRTJS_TRT_NS
