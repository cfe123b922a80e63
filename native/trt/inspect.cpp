#include "trt/inspect.h"

#include <NvInferRuntime.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <memory>

#include "common/coded_error.h"
#include "cuda/check.h"
#include "trt/dims.h"
#include "trt/loader.h"
#include "trt/logger.h"

namespace trtjs::TRTJS_TRT_NS {

namespace {

// Whether this TensorRT's engines answer format questions per optimization profile (8.6+); before that, the
// profile-less calls are all there is.
constexpr bool kFormatsPerProfile = NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6;

TensorFormat formatOf(const nvinfer1::ICudaEngine& engine, char const* name, int32_t profile, bool perProfile) {
  TensorFormat f;
#if NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6
  if (perProfile) {
    f.format = static_cast<int>(engine.getTensorFormat(name, profile));
    char const* text = engine.getTensorFormatDesc(name, profile);
    f.text = text ? text : "";
    f.vectorizedDim = engine.getTensorVectorizedDim(name, profile);
    f.components = engine.getTensorComponentsPerElement(name, profile);
    if (f.components < 1) f.components = 1;
    return f;
  }
#endif
  (void)profile;
  (void)perProfile;
  f.format = static_cast<int>(engine.getTensorFormat(name));
  char const* text = engine.getTensorFormatDesc(name);
  f.text = text ? text : "";
  f.vectorizedDim = engine.getTensorVectorizedDim(name);
  f.components = engine.getTensorComponentsPerElement(name);
  if (f.components < 1) f.components = 1;
  return f;
}

}  // namespace

void configureRuntime(nvinfer1::IRuntime& runtime, const LoadOptions& options) {
#if NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6
  runtime.setEngineHostCodeAllowed(options.allowHostCode);
#else
  // TensorRT 8.5 has no version-compatible plans, so nothing to allow (lib/ refuses the option there).
  (void)runtime;
  (void)options;
#endif
}

nvinfer1::ICudaEngine* deserialize(nvinfer1::IRuntime& runtime, const Capture& logged, const uint8_t* plan, size_t size, const LoadOptions& options) {
  nvinfer1::ICudaEngine* engine = runtime.deserializeCudaEngine(plan, size);
  if (!engine) {
    std::string why;
    for (const std::string& e : logged.errors()) why += "\n  " + e;
    std::string hint;
    if (!options.allowHostCode && NV_TENSORRT_MAJOR * 100 + NV_TENSORRT_MINOR >= 806)
      hint = " (a version-compatible plan, which carries host code, also needs host code allowed)";
    throw CodedError(
        "ERR_ENGINE_INCOMPATIBLE",
        "TensorRT " + status().version + " cannot deserialize this plan (built by another TensorRT version or for another GPU, or corrupt" + hint + "):" + why);
  }
  return engine;
}

EngineDesc describeEngine(const nvinfer1::ICudaEngine& engine) {
  EngineDesc desc;
  const int32_t profiles = std::max<int32_t>(engine.getNbOptimizationProfiles(), 1);
  // The profile-less format calls answer for profile 0 and warn when an engine has more than one.
  const bool perProfile = kFormatsPerProfile && engine.getNbOptimizationProfiles() > 1;
  for (int32_t i = 0; i < engine.getNbIOTensors(); ++i) {
    char const* name = engine.getIOTensorName(i);
    TensorDesc t;
    t.name = name;
    t.input = engine.getTensorIOMode(name) == nvinfer1::TensorIOMode::kINPUT;
    t.dtype = static_cast<int>(engine.getTensorDataType(name));
    t.shape = toVector(engine.getTensorShape(name));
    for (int32_t p = 0; p < (perProfile ? profiles : 1); ++p) t.formats.push_back(formatOf(engine, name, p, perProfile));
    while (static_cast<int32_t>(t.formats.size()) < profiles) t.formats.push_back(t.formats.front());
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
  for (int32_t p = 0; p < profiles; ++p) desc.profileMemory.push_back(engine.getDeviceMemorySizeForProfileV2(p));
#elif NV_TENSORRT_MAJOR == 10
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  desc.deviceMemory = static_cast<int64_t>(engine.getDeviceMemorySize());
  for (int32_t p = 0; p < profiles; ++p) desc.profileMemory.push_back(static_cast<int64_t>(engine.getDeviceMemorySizeForProfile(p)));
#pragma GCC diagnostic pop
#else
  desc.deviceMemory = static_cast<int64_t>(engine.getDeviceMemorySize());
#endif
  desc.layers = engine.getNbLayers();
  return desc;
}

EngineDesc inspectEngine(const uint8_t* plan, size_t size, int device, const LoadOptions& options) {
  const LibraryStatus& lib = status();
  if (!lib.loaded) throw CodedError("ERR_TRT_UNAVAILABLE", lib.error);
  cuda::DeviceGuard onDevice(device);
  cuda::check(onDevice.error(), "cudaSetDevice(" + std::to_string(device) + ")");

  Capture logged(true);  // deserializing warns about plans made elsewhere; TensorRT may log that from its own threads
  std::unique_ptr<nvinfer1::IRuntime> runtime(createRuntime());
  if (!runtime) throw CodedError("ERR_TRT_UNAVAILABLE", "createInferRuntime failed: " + logged.lastError());
  configureRuntime(*runtime, options);
  std::unique_ptr<nvinfer1::ICudaEngine> engine(deserialize(*runtime, logged, plan, size, options));
  EngineDesc desc = describeEngine(*engine);
  desc.warnings = logged.warnings();
  return desc;
}

}  // namespace trtjs::TRTJS_TRT_NS
