#include "trt/builder.h"

#include <NvInfer.h>
#include <NvOnnxParser.h>
#include <cuda_runtime_api.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "common/coded_error.h"
#include "cuda/check.h"
#include "trt/dims.h"
#include "trt/loader.h"
#include "trt/logger.h"

namespace trtjs::TRTJS_TRT_NS {

namespace {

template <typename T>
using Owned = std::unique_ptr<T>;  // TensorRT 8+ objects are released with delete

#if NV_TENSORRT_MAJOR >= 10
// Forwards the steps of TensorRT's top-level phases as progress, and answers every step of every phase, nested ones
// included, with the caller's cancel flag: tactic timing, most of a build, runs in phases nested under
// "Building engine", so a flag read only at top-level steps would be seen when the build is nearly done. TensorRT
// calls it from several threads.
class Monitor : public nvinfer1::IProgressMonitor {
 public:
  Monitor(const Progress& progress, const std::atomic<bool>& cancel) : progress_(progress), cancel_(cancel) {}
  void phaseStart(char const* phaseName, char const* parentPhase, int32_t nbSteps) noexcept override {
    if (parentPhase != nullptr) return;
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      topLevel_[phaseName ? phaseName : ""] = nbSteps;
    } catch (...) {
    }
    report(phaseName, 0, nbSteps);
  }
  bool stepComplete(char const* phaseName, int32_t step) noexcept override {
    int steps = -1;
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = topLevel_.find(phaseName ? phaseName : "");
      if (it != topLevel_.end()) steps = it->second;
    } catch (...) {
    }
    if (steps >= 0) report(phaseName, step + 1, steps);
    if (cancel_.load()) {
      stopped_ = true;
      return false;
    }
    return true;
  }
  void phaseFinish(char const* phaseName) noexcept override {
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      topLevel_.erase(phaseName ? phaseName : "");
    } catch (...) {
    }
  }
  // Whether a step was answered with "stop": TensorRT then ends the build early and returns no plan.
  bool stopped() const { return stopped_; }

 private:
  void report(char const* phase, int step, int steps) noexcept {
    try {
      progress_(phase ? phase : "", step, steps);
    } catch (...) {
      // Progress is a report; failing to deliver one must not end the build.
    }
  }
  const Progress& progress_;
  const std::atomic<bool>& cancel_;
  std::mutex mutex_;
  std::map<std::string, int> topLevel_;
  std::atomic<bool> stopped_{false};
};
#endif

std::string parserErrors(nvonnxparser::IParser& parser) {
  std::string out;
  for (int i = 0; i < parser.getNbErrors(); ++i) {
    nvonnxparser::IParserError const* e = parser.getError(i);
    out += "\n  node " + std::to_string(e->node());
#if NV_TENSORRT_MAJOR >= 10
    if (e->nodeName() && *e->nodeName()) out += std::string(" '") + e->nodeName() + "'";
    if (e->nodeOperator() && *e->nodeOperator()) out += std::string(" (") + e->nodeOperator() + ")";
#endif
    out += std::string(": ") + (e->desc() ? e->desc() : "unknown error");
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

void check(bool ok, const char* code, const std::string& message) {
  if (!ok) throw CodedError(code, message);
}

}  // namespace

BuildResult buildEngine(const uint8_t* onnx, size_t size, const BuildParams& params, const Progress& progress) {
  const LibraryStatus& lib = status();
  check(lib.loaded, "ERR_TRT_UNAVAILABLE", lib.error);
  check(lib.parserLoaded, "ERR_TRT_UNAVAILABLE", lib.parserError);
  check(params.cancel != nullptr, "ERR_NATIVE", "a build needs a cancel flag");
  const std::atomic<bool>& cancel = *params.cancel;
  auto cancelled = [&cancel] {
    if (cancel.load()) throw CodedError("ERR_ABORTED", "build cancelled");
  };

  // One build at a time per process: concurrent builds have corrupted memory in other TensorRT hosts, and they would
  // skew each other's tactic timing anyway. lib/build queues a process's builds in JavaScript, so this lock is never
  // waited for there; a build from another worker thread is refused rather than left holding a libuv thread.
  static std::mutex* buildMutex = new std::mutex;  // never destroyed
  std::unique_lock<std::mutex> lock(*buildMutex, std::try_to_lock);
  check(lock.owns_lock(), "ERR_BUILD",
        "another engine build is running in this process (from another worker thread): builds run one at a time, retry when it ends");
  cancelled();
  cuda::DeviceGuard onDevice(params.device);
  cuda::check(onDevice.error(), "cudaSetDevice(" + std::to_string(params.device) + ")");

  Capture logger(true);  // what TensorRT logs during the build, on this thread and on its own
  // Declared before the builder and config that use them, so they outlive both: "the lifetime of the ITimingCache
  // must exceed the lifetime of all builders that use it" (NvInfer.h).
  Owned<nvinfer1::ITimingCache> cache;
#if NV_TENSORRT_MAJOR >= 10
  Monitor monitor(progress, cancel);
#endif
  std::vector<std::string> notes;  // trtjs's own warnings for the report
  std::string preloadErrors;
  Owned<nvinfer1::IBuilder> builder(createBuilder(&preloadErrors));
  if (!builder) {
    std::string why = joined(logger.errors());
    if (!preloadErrors.empty()) why += "\n  builder resources that could not be preloaded:" + preloadErrors;
    if (!lib.builderError.empty()) why += "\n  " + lib.builderError;
    throw CodedError("ERR_BUILD", "createInferBuilder failed:" + why);
  }

  uint32_t flags = 0;
#if NV_TENSORRT_MAJOR < 10
  flags |= 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH);
#elif NV_TENSORRT_MAJOR == 10
  if (params.stronglyTyped) flags |= 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kSTRONGLY_TYPED);
#endif
  Owned<nvinfer1::INetworkDefinition> network(builder->createNetworkV2(flags));
  check(network != nullptr, "ERR_BUILD", "createNetworkV2 failed:" + joined(logger.errors()));
  Owned<nvonnxparser::IParser> parser(createParser(*network));
  check(parser != nullptr, "ERR_TRT_UNAVAILABLE", "createNvOnnxParser failed:" + joined(logger.errors()));

  progress("parse", 0, 1);
  cancelled();
  if (!parser->parse(onnx, size)) throw CodedError("ERR_BUILD", "TensorRT's ONNX parser rejected the model:" + parserErrors(*parser));
  progress("parse", 1, 1);
  cancelled();

  Owned<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
  check(config != nullptr, "ERR_BUILD", "createBuilderConfig failed");
  if (params.workspace > 0) config->setMemoryPoolLimit(nvinfer1::MemoryPoolType::kWORKSPACE, params.workspace);
#if NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6
  if (params.optimizationLevel >= 0) config->setBuilderOptimizationLevel(params.optimizationLevel);
#else
  if (params.optimizationLevel >= 0) notes.push_back("optimizationLevel was ignored: TensorRT 8.5 has no builder optimization level (added in 8.6)");
#endif
  config->setProfilingVerbosity(nvinfer1::ProfilingVerbosity::kDETAILED);
  if (params.fp16) {
#if NV_TENSORRT_MAJOR >= 11
    throw CodedError("ERR_BUILD", "TensorRT 11 has no FP16 builder flag: convert the ONNX model to FP16 instead");
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    config->setFlag(nvinfer1::BuilderFlag::kFP16);
#pragma GCC diagnostic pop
#endif
  }

  // Exactly the dimensions lib/build gives (those of dynamic inputs), and no profile when it gives none.
  for (size_t p = 0; p < params.profiles.size(); ++p) {
    nvinfer1::IOptimizationProfile* profile = builder->createOptimizationProfile();
    check(profile != nullptr, "ERR_BUILD", "createOptimizationProfile failed:" + joined(logger.errors()));
    for (const ProfileInput& in : params.profiles[p]) {
      bool ok = profile->setDimensions(in.name.c_str(), nvinfer1::OptProfileSelector::kMIN, toDims(in.min)) &&
                profile->setDimensions(in.name.c_str(), nvinfer1::OptProfileSelector::kOPT, toDims(in.opt)) &&
                profile->setDimensions(in.name.c_str(), nvinfer1::OptProfileSelector::kMAX, toDims(in.max));
      check(ok, "ERR_SHAPE", "profile " + std::to_string(p) + ": TensorRT refused the shapes of '" + in.name + "':" + joined(logger.errors()));
    }
    check(config->addOptimizationProfile(profile) >= 0, "ERR_SHAPE", "profile " + std::to_string(p) + " is invalid:" + joined(logger.errors()));
  }

  cache.reset(config->createTimingCache(params.timingCache.data(), params.timingCache.size()));
  if (!cache || !config->setTimingCache(*cache, false)) {
    // A cache from another TensorRT or GPU, or a corrupt one, is replaced by a fresh cache (saved over it).
    if (!params.timingCache.empty()) notes.push_back("the timing cache was not usable here (another TensorRT or GPU, or corrupt) and was started afresh");
    cache.reset(config->createTimingCache(nullptr, 0));
    if (cache) config->setTimingCache(*cache, false);
  }

#if NV_TENSORRT_MAJOR >= 10
  config->setProgressMonitor(&monitor);
#endif
  progress("build", 0, 1);
  cancelled();
  Owned<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
#if NV_TENSORRT_MAJOR >= 10
  config->setProgressMonitor(nullptr);
  check(!monitor.stopped(), "ERR_ABORTED", "build cancelled");
#endif
  cancelled();  // before 10 the flag is seen between phases only
  check(plan != nullptr && plan->size() > 0, "ERR_BUILD", "TensorRT could not build the engine:" + joined(logger.errors()));

  BuildResult result;
  auto* bytes = static_cast<const uint8_t*>(plan->data());
  result.plan.assign(bytes, bytes + plan->size());
  result.networkLayers = network->getNbLayers();
  if (nvinfer1::ITimingCache const* used = config->getTimingCache()) {
    Owned<nvinfer1::IHostMemory> blob(used->serialize());
    if (blob) result.timingCache.assign(static_cast<const uint8_t*>(blob->data()), static_cast<const uint8_t*>(blob->data()) + blob->size());
  }

  // The engine's own layer list (after fusion) with precisions, for the report.
  Owned<nvinfer1::IRuntime> runtime(createRuntime());
  if (runtime) {
    Owned<nvinfer1::ICudaEngine> engine(runtime->deserializeCudaEngine(plan->data(), plan->size()));
    if (engine) {
      Owned<nvinfer1::IEngineInspector> inspector(engine->createEngineInspector());
      if (inspector) {
        char const* info = inspector->getEngineInformation(nvinfer1::LayerInformationFormat::kJSON);
        if (info) result.engineInfo = info;
      }
    }
  }
  result.warnings = logger.warnings();
  result.warnings.insert(result.warnings.end(), notes.begin(), notes.end());
  return result;
}

}  // namespace trtjs::TRTJS_TRT_NS
