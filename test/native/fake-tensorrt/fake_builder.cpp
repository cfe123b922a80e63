// The stand-in libnvinfer's builder (see fake_nvinfer.cpp for the runtime and the plan format): what trtjs's
// native/trt/builder.cpp calls, with the rules TensorRT documents and the behaviours a real install shows first:
//   - creating a builder dlopens the builder resource library by bare name (libnvinfer_builder_resource.so.<version>;
//     from TensorRT 11 one per GPU architecture, ..._sm<cc>.so.<version>), as libnvinfer does: without it, or with
//     it only in a folder the dynamic loader does not search, there is no builder ("Unable to load library");
//   - a network holds what the ONNX parser (fake_onnxparser.cpp) adds through INetworkDefinition: inputs, identity
//     layers, outputs;
//   - buildSerializedNetwork checks the profiles against the network (every dynamic input needs dimensions in every
//     profile, a dynamic network needs a profile, static dims must match the network's), then runs "Building engine"
//     with nested tactic phases, reporting each step to the IProgressMonitor (TensorRT 10+) and stopping at the first
//     step answered with false, whatever the phase; a tactic thread of its own logs a warning;
//   - the plan it writes is a stand-in plan whose outputs copy the inputs they were made from, with `note` lines
//     recording every call trtjs made (flags, setDimensions, profiles, limits), for the checks to read.
// Knobs for the checks (read when a build starts): FAKE_TRT_BUILD_STEPS top-level steps (default 2),
// FAKE_TRT_TACTIC_STEPS nested steps per top-level step (default 3), FAKE_TRT_STEP_MS per nested step (default 1).
// Not TensorRT; never shipped.
#include <NvInfer.h>
#include <cuda_runtime_api.h>
#include <dlfcn.h>

#if NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6
#define FAKE_PIMPL_OVERRIDE override
#else
#define FAKE_PIMPL_OVERRIDE
#endif

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "defaults.h"

// Its own namespace: fake_nvinfer.cpp's fake:: has classes of the same names, and one library must not hold two.
namespace fake_build {

using namespace fake;
using nvinfer1::Dims;

std::atomic<int> buildersMade{0}, buildsRun{0}, buildsStopped{0};

namespace {

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

std::string dimsText(const Dims& d) {
  std::string out;
  for (int32_t i = 0; i < d.nbDims; ++i) out += (i ? "," : "") + std::to_string(static_cast<long long>(d.d[i]));
  return out.empty() ? "1" : out;
}

bool isDynamic(const Dims& d) {
  for (int32_t i = 0; i < d.nbDims; ++i)
    if (d.d[i] < 0) return true;
  return false;
}

bool sameDims(const Dims& a, const Dims& b) {
  if (a.nbDims != b.nbDims) return false;
  for (int32_t i = 0; i < a.nbDims; ++i)
    if (a.d[i] != b.d[i]) return false;
  return true;
}

int64_t volumeOf(const Dims& d) {
  int64_t v = 1;
  for (int32_t i = 0; i < d.nbDims; ++i) v *= d.d[i] > 0 ? d.d[i] : 1;
  return v;
}

const char* selectorName(nvinfer1::OptProfileSelector s) {
  return s == nvinfer1::OptProfileSelector::kMIN ? "MIN" : s == nvinfer1::OptProfileSelector::kOPT ? "OPT" : "MAX";
}

}  // namespace

// ---- tensors and layers ----------------------------------------------------------------------------------------

class TensorImpl : public DefaultTensor {
 public:
  void setName(char const* n) noexcept override { name = n ? n : ""; }
  char const* getName() const noexcept override { return name.c_str(); }
  Dims getDimensions() const noexcept override { return dims; }
  nvinfer1::DataType getType() const noexcept override { return type; }
  bool isNetworkInput() const noexcept override { return input; }
  bool isNetworkOutput() const noexcept override { return output; }
  std::string name;
  Dims dims{};
  nvinfer1::DataType type = nvinfer1::DataType::kFLOAT;
  bool input = false, output = false;
  std::string source;  // the network input this tensor copies
};

class Tensor : public nvinfer1::ITensor {
 public:
  Tensor() { mImpl = &impl; }
  ~Tensor() override = default;
  TensorImpl impl;
};

class LayerImpl : public DefaultLayer {
 public:
  nvinfer1::LayerType getType() const noexcept override { return nvinfer1::LayerType::kIDENTITY; }
  void setName(char const* n) noexcept override { name = n ? n : ""; }
  char const* getName() const noexcept override { return name.c_str(); }
  int32_t getNbInputs() const noexcept override { return 1; }
  nvinfer1::ITensor* getInput(int32_t i) const noexcept override { return i == 0 ? in : nullptr; }
  int32_t getNbOutputs() const noexcept override { return 1; }
  nvinfer1::ITensor* getOutput(int32_t i) const noexcept override { return i == 0 ? out : nullptr; }
  std::string name;
  nvinfer1::ITensor* in = nullptr;
  nvinfer1::ITensor* out = nullptr;
};

class IdentityLayer : public nvinfer1::IIdentityLayer {
 public:
  IdentityLayer() {
    mLayer = &layer;
    mImpl = &identity;
  }
  ~IdentityLayer() override = default;
  LayerImpl layer;
  DefaultIdentityLayer identity;
};

// ---- network ---------------------------------------------------------------------------------------------------

class NetworkImpl : public DefaultNetwork {
 public:
  explicit NetworkImpl(uint32_t flags) : flags(flags) {}
#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::ITensor* addInput(char const* name, nvinfer1::DataType type, Dims const& dims) noexcept override {
#else
  nvinfer1::ITensor* addInput(char const* name, nvinfer1::DataType type, Dims dims) noexcept override {
#endif
    Tensor& t = tensors.emplace_back();
    t.impl.name = name ? name : "";
    t.impl.type = type;
    t.impl.dims = dims;
    t.impl.input = true;
    t.impl.source = t.impl.name;
    inputs.push_back(&t);
    return &t;
  }
  nvinfer1::IIdentityLayer* addIdentity(nvinfer1::ITensor& input) noexcept override {
    IdentityLayer& layer = layers.emplace_back();
    Tensor& out = tensors.emplace_back();
    const TensorImpl& from = static_cast<Tensor&>(input).impl;
    out.impl.name = "(Unnamed identity output " + std::to_string(layers.size() - 1) + ")";
    out.impl.dims = from.dims;
    out.impl.type = from.type;
    out.impl.source = from.source;
    layer.layer.in = &input;
    layer.layer.out = &out;
    return &layer;
  }
  void markOutput(nvinfer1::ITensor& tensor) noexcept override {
    static_cast<Tensor&>(tensor).impl.output = true;
    outputs.push_back(&static_cast<Tensor&>(tensor));
  }
  int32_t getNbLayers() const noexcept override { return static_cast<int32_t>(layers.size()); }
  nvinfer1::ILayer* getLayer(int32_t i) const noexcept override {
    return i >= 0 && static_cast<size_t>(i) < layers.size() ? const_cast<IdentityLayer*>(&layers[static_cast<size_t>(i)]) : nullptr;
  }
  int32_t getNbInputs() const noexcept override { return static_cast<int32_t>(inputs.size()); }
  nvinfer1::ITensor* getInput(int32_t i) const noexcept override {
    return i >= 0 && static_cast<size_t>(i) < inputs.size() ? inputs[static_cast<size_t>(i)] : nullptr;
  }
  int32_t getNbOutputs() const noexcept override { return static_cast<int32_t>(outputs.size()); }
  nvinfer1::ITensor* getOutput(int32_t i) const noexcept override {
    return i >= 0 && static_cast<size_t>(i) < outputs.size() ? outputs[static_cast<size_t>(i)] : nullptr;
  }
#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::NetworkDefinitionCreationFlags getFlags() const noexcept override { return flags; }
#endif

  uint32_t flags;
  // Held in place, never deleted through a pointer: TensorRT's tensors, layers and profiles have protected
  // destructors (the library owns them), so nothing may `delete` them.
  std::deque<Tensor> tensors;
  std::deque<IdentityLayer> layers;
  std::vector<Tensor*> inputs, outputs;
};

class Network : public nvinfer1::INetworkDefinition {
 public:
  explicit Network(uint32_t flags) : impl(flags) { mImpl = &impl; }
  NetworkImpl impl;
};

// ---- profiles, caches, host memory -----------------------------------------------------------------------------

class ProfileImpl : public DefaultProfile {
 public:
#if NV_TENSORRT_MAJOR >= 10
  bool setDimensions(char const* name, nvinfer1::OptProfileSelector select, Dims const& dims) noexcept override {
#else
  bool setDimensions(char const* name, nvinfer1::OptProfileSelector select, Dims dims) noexcept override {
#endif
    const std::string n = name ? name : "";
    calls.push_back(n + " " + selectorName(select) + " " + dimsText(dims));
    Dims* slot = select == nvinfer1::OptProfileSelector::kMIN ? &ranges[n][0] : select == nvinfer1::OptProfileSelector::kOPT ? &ranges[n][1] : &ranges[n][2];
    *slot = dims;
    return true;
  }
  Dims getDimensions(char const* name, nvinfer1::OptProfileSelector select) const noexcept override {
    auto it = ranges.find(name ? name : "");
    if (it == ranges.end()) return Dims{-1, {}};
    return it->second[select == nvinfer1::OptProfileSelector::kMIN ? 0 : select == nvinfer1::OptProfileSelector::kOPT ? 1 : 2];
  }
  bool isValid() const noexcept override { return true; }
  std::map<std::string, Dims[3]> ranges;
  std::vector<std::string> calls;
};

class Profile : public nvinfer1::IOptimizationProfile {
 public:
  Profile() { mImpl = &impl; }
  ~Profile() override = default;
  ProfileImpl impl;
};

class HostMemoryImpl : public DefaultHostMemory {
 public:
  explicit HostMemoryImpl(std::string bytes) : bytes(std::move(bytes)) {}
  void* data() const noexcept override { return const_cast<char*>(bytes.data()); }
  std::size_t size() const noexcept override { return bytes.size(); }
  nvinfer1::DataType type() const noexcept override { return static_cast<nvinfer1::DataType>(5); }  // kUINT8
  std::string bytes;
};

class HostMemory : public nvinfer1::IHostMemory {
 public:
  explicit HostMemory(std::string bytes) : impl(std::move(bytes)) { mImpl = &impl; }
  HostMemoryImpl impl;
};

constexpr const char* kCacheMagic = "fake-timing-cache ";

class TimingCacheImpl : public DefaultTimingCache {
 public:
  nvinfer1::IHostMemory* serialize() const noexcept override { return new HostMemory(kCacheMagic + std::to_string(builds)); }
  bool reset() noexcept override {
    builds = 0;
    return true;
  }
  int builds = 0;
};

class TimingCache : public nvinfer1::ITimingCache {
 public:
  TimingCache() { mImpl = &impl; }
  TimingCacheImpl impl;
};

// ---- builder config --------------------------------------------------------------------------------------------

class ConfigImpl : public DefaultBuilderConfig {
 public:
  explicit ConfigImpl(nvinfer1::ILogger* logger) : logger(logger) {}
  void setFlag(nvinfer1::BuilderFlag flag) noexcept override { flags |= 1U << static_cast<uint32_t>(flag); }
  bool getFlag(nvinfer1::BuilderFlag flag) const noexcept override { return flags & (1U << static_cast<uint32_t>(flag)); }
  int32_t addOptimizationProfile(nvinfer1::IOptimizationProfile const* profile) noexcept override {
    if (!profile) return -1;
    profiles.push_back(profile);
    return static_cast<int32_t>(profiles.size()) - 1;
  }
  int32_t getNbOptimizationProfiles() const noexcept override { return static_cast<int32_t>(profiles.size()); }
  void setProfilingVerbosity(nvinfer1::ProfilingVerbosity v) noexcept override { verbosity = static_cast<int>(v); }
  nvinfer1::ITimingCache* createTimingCache(void const* blob, std::size_t size) const noexcept override {
    auto* cache = new TimingCache;
    if (size > 0) {
      const std::string text(static_cast<const char*>(blob), size);
      if (text.compare(0, std::char_traits<char>::length(kCacheMagic), kCacheMagic) != 0) {
        if (logger) logger->log(nvinfer1::ILogger::Severity::kERROR, "fake TensorRT: the timing cache blob is not a timing cache of this TensorRT");
        delete cache;
        return nullptr;
      }
      cache->impl.builds = std::atoi(text.c_str() + std::char_traits<char>::length(kCacheMagic));
    }
    return cache;
  }
  bool setTimingCache(nvinfer1::ITimingCache const& cache, bool) noexcept override {
    timingCache = &cache;
    return true;
  }
  nvinfer1::ITimingCache const* getTimingCache() const noexcept override { return timingCache; }
  void setMemoryPoolLimit(nvinfer1::MemoryPoolType, std::size_t bytes) noexcept override { workspace = bytes; }
#if NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6
  void setBuilderOptimizationLevel(int32_t level) noexcept override { optimizationLevel = level; }
#endif
#if NV_TENSORRT_MAJOR >= 10
  void setProgressMonitor(nvinfer1::IProgressMonitor* m) noexcept override { monitor = m; }
  nvinfer1::IProgressMonitor* getProgressMonitor() const noexcept override { return monitor; }
  nvinfer1::IProgressMonitor* monitor = nullptr;
#endif

  nvinfer1::ILogger* logger;
  uint32_t flags = 0;
  std::vector<nvinfer1::IOptimizationProfile const*> profiles;
  nvinfer1::ITimingCache const* timingCache = nullptr;
  size_t workspace = 0;
  int optimizationLevel = -1;
  int verbosity = 0;
};

class Config : public nvinfer1::IBuilderConfig {
 public:
  explicit Config(nvinfer1::ILogger* logger) : impl(logger) { mImpl = &impl; }
  ConfigImpl impl;
};

// ---- builder ---------------------------------------------------------------------------------------------------

class BuilderImpl : public DefaultBuilder {
 public:
  explicit BuilderImpl(nvinfer1::ILogger* logger) : logger_(logger) {}
  nvinfer1::IBuilderConfig* createBuilderConfig() noexcept override { return new Config(logger_); }
  nvinfer1::INetworkDefinition* createNetworkV2(nvinfer1::NetworkDefinitionCreationFlags flags) noexcept override { return new Network(flags); }
  nvinfer1::IOptimizationProfile* createOptimizationProfile() noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    return &profiles_.emplace_back();
  }
  nvinfer1::IHostMemory* buildSerializedNetwork(nvinfer1::INetworkDefinition& network, nvinfer1::IBuilderConfig& config) noexcept override;

 private:
  void log(nvinfer1::ILogger::Severity s, const std::string& message) const {
    if (logger_) logger_->log(s, ("fake TensorRT: " + message).c_str());
  }
  nvinfer1::ILogger* logger_;
  std::mutex mutex_;
  std::deque<Profile> profiles_;  // the builder owns them, as TensorRT's does
};

nvinfer1::IHostMemory* BuilderImpl::buildSerializedNetwork(nvinfer1::INetworkDefinition& network, nvinfer1::IBuilderConfig& config) noexcept {
  ++buildsRun;
  const NetworkImpl& net = static_cast<Network&>(network).impl;
  ConfigImpl& cfg = static_cast<Config&>(config).impl;
  if (net.outputs.empty()) return log(nvinfer1::ILogger::Severity::kERROR, "the network has no outputs"), nullptr;
  bool dynamicNetwork = false;
  for (const Tensor* in : net.inputs) dynamicNetwork = dynamicNetwork || isDynamic(in->impl.dims);
  if (dynamicNetwork && cfg.profiles.empty())
    return log(nvinfer1::ILogger::Severity::kERROR, "Network has dynamic or shape inputs, but no optimization profile has been defined."), nullptr;
  std::ostringstream notes;
  notes << "note network-flags " << net.flags << "\n";
  notes << "note builder-flags " << cfg.flags << "\n";
  notes << "note workspace " << cfg.workspace << "\n";
  notes << "note optimization-level " << cfg.optimizationLevel << "\n";
  notes << "note profiles " << cfg.profiles.size() << "\n";
  std::ostringstream profileLines;
  int64_t staticMemory = 0;
  std::ostringstream memoryLines;
  for (size_t p = 0; p < cfg.profiles.size(); ++p) {
    const ProfileImpl& prof = static_cast<const Profile*>(cfg.profiles[p])->impl;
    for (const std::string& call : prof.calls) notes << "note setDimensions " << p << " " << call << "\n";
    int64_t memory = 0;
    for (const Tensor* in : net.inputs) {
      auto it = prof.ranges.find(in->impl.name);
      if (it == prof.ranges.end()) {
        if (isDynamic(in->impl.dims))
          return log(nvinfer1::ILogger::Severity::kERROR,
                     "optimization profile " + std::to_string(p) + " has no dimensions for dynamic input " + in->impl.name),
                 nullptr;
        continue;
      }
      const Dims* r = it->second;
      for (int k = 0; k < 3; ++k) {
        bool ok = r[k].nbDims == in->impl.dims.nbDims;
        for (int32_t i = 0; ok && i < r[k].nbDims; ++i) ok = in->impl.dims.d[i] < 0 ? r[k].d[i] >= 0 : r[k].d[i] == in->impl.dims.d[i];
        if (!ok)
          return log(nvinfer1::ILogger::Severity::kERROR, "optimization profile " + std::to_string(p) + ": dimensions " + dimsText(r[k]) + " of " +
                                                              in->impl.name + " do not match the network's " + dimsText(in->impl.dims)),
                 nullptr;
      }
      if (isDynamic(in->impl.dims))
        profileLines << "profile " << p << " " << in->impl.name << " " << dimsText(r[0]) << " " << dimsText(r[1]) << " " << dimsText(r[2]) << "\n";
      memory += 4 * volumeOf(r[2]);
    }
    memoryLines << "profilememory " << p << " " << memory << "\n";
    staticMemory = std::max(staticMemory, memory);
  }

  // "Building engine", with tactic timing nested in each of its steps; a tactic thread of its own warns.
  const int steps = std::max(envInt("FAKE_TRT_BUILD_STEPS", 2), 1), tactics = std::max(envInt("FAKE_TRT_TACTIC_STEPS", 3), 1);
  const int stepMs = envInt("FAKE_TRT_STEP_MS", 1);
  nvinfer1::ILogger* logger = logger_;
  std::thread([logger] {
    if (logger)
      logger->log(nvinfer1::ILogger::Severity::kWARNING, "fake TensorRT: tactic timing thread: a tactic was skipped (warning logged from a builder thread)");
  }).join();
  bool stopped = false;
#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::IProgressMonitor* monitor = cfg.monitor;
  if (monitor) monitor->phaseStart("Building engine", nullptr, steps);
  for (int s = 0; s < steps && !stopped; ++s) {
    if (monitor) monitor->phaseStart("Tactic timing", "Building engine", tactics);
    for (int k = 0; k < tactics && !stopped; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(stepMs));
      if (monitor && !monitor->stepComplete("Tactic timing", k)) stopped = true;
    }
    if (monitor) monitor->phaseFinish("Tactic timing");
    if (!stopped && monitor && !monitor->stepComplete("Building engine", s)) stopped = true;
  }
  if (monitor) monitor->phaseFinish("Building engine");
#else
  // No progress monitor before TensorRT 10: nothing can stop a build once it runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(stepMs) * steps * tactics));
#endif
  if (stopped) {
    ++buildsStopped;
    log(nvinfer1::ILogger::Severity::kERROR, "the build was cancelled by the progress monitor");
    return nullptr;
  }
  if (cfg.timingCache) ++const_cast<TimingCacheImpl&>(static_cast<const TimingCache*>(cfg.timingCache)->impl).builds;

  std::ostringstream plan;
  plan << "ftrt-fake\n";
  for (const Tensor* in : net.inputs) plan << "in " << in->impl.name << " " << static_cast<int>(in->impl.type) << " " << dimsText(in->impl.dims) << "\n";
  for (const Tensor* out : net.outputs)
    plan << "out " << out->impl.name << " " << static_cast<int>(out->impl.type) << " " << dimsText(out->impl.dims) << " " << out->impl.source << "\n";
  plan << profileLines.str();
  if (!cfg.profiles.empty()) plan << "memory " << staticMemory << "\n" << memoryLines.str();
  plan << notes.str();
  return new HostMemory(plan.str());
}

class Builder : public nvinfer1::IBuilder {
 public:
  explicit Builder(nvinfer1::ILogger* logger) : impl(logger) {
    mImpl = &impl;
    ++buildersMade;
  }
  BuilderImpl impl;
};

// The builder resource's file name as this libnvinfer asks for it: one file up to TensorRT 10, one per GPU
// architecture from 11 (the stand-in GPU is sm_90).
std::string builderResourceName() {
  const std::string version = std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." + std::to_string(NV_TENSORRT_PATCH);
  if (NV_TENSORRT_MAJOR < 11) return "libnvinfer_builder_resource.so." + version;
  int device = 0;
  cudaDeviceProp prop{};
  if (cudaGetDevice(&device) != cudaSuccess || cudaGetDeviceProperties(&prop, device) != cudaSuccess) prop.major = 9, prop.minor = 0;
  return "libnvinfer_builder_resource_sm" + std::to_string(prop.major) + std::to_string(prop.minor) + ".so." + version;
}

}  // namespace fake_build

extern "C" {
__attribute__((visibility("default"))) void* createInferBuilder_INTERNAL(void* logger, int32_t) {
  auto* log = static_cast<nvinfer1::ILogger*>(logger);
  // As libnvinfer does: by bare name, so only what is already loaded (matched by soname), LD_LIBRARY_PATH and the
  // ldconfig cache are searched, not the folder this library came from.
  const std::string name = fake_build::builderResourceName();
  dlerror();
  if (!dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) {
    const char* why = dlerror();
    if (log)
      log->log(nvinfer1::ILogger::Severity::kERROR,
               ("createInferBuilder: Error Code 6: API Usage Error (Unable to load library: " + name + ": " + (why ? why : "not found") + ")").c_str());
    return nullptr;
  }
  return static_cast<nvinfer1::IBuilder*>(new fake_build::Builder(log));
}
// For the harness: builders made, builds run, builds a progress monitor stopped.
__attribute__((visibility("default"))) void fakeTrtBuildCounters(int* builders, int* builds, int* stopped) {
  *builders = fake_build::buildersMade;
  *builds = fake_build::buildsRun;
  *stopped = fake_build::buildsStopped;
}
}
