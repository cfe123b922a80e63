// A stand-in libnvinfer for testing trtjs's TensorRT runtime where TensorRT cannot run: it exports TensorRT's entry
// points (getInferLibVersion, createInferRuntime_INTERNAL) and implements the runtime, engine and execution-context
// calls trtjs makes, with the documented rules that trtjs must respect (profile bounds on setInputShape; before
// TensorRT 10, one context per optimization profile of a dynamic-shape engine; output shapes known only once the
// input shapes are). It computes nothing real: each output is a copy of an input, or constant. Its copies go through
// the CUDA runtime on the request's stream, so it runs on a real GPU (scripts/build-stand-in-trt.sh, the gpu tier) as
// well as over the host-memory CUDA stand-in (scripts/check-trt-runtime.sh). Not TensorRT; never shipped.
//
// It also behaves as real TensorRT does where trtjs has met it only in review: a null stream is accepted with a
// warning; the profile-less format calls warn on an engine with several profiles; IO tensors may have vectorized
// formats, whose padded size is what enqueueV3 writes; execution contexts reserve device memory for every profile or,
// with kON_PROFILE_CHANGE, for the selected one; a plan with host code needs setEngineHostCodeAllowed(true);
// deserializing may warn, from the calling thread or one of TensorRT's own. It records the device each runtime,
// engine and context was made on and counts those released on another one. The builder is in fake_builder.cpp.
//
// Plan format (text; starts with TensorRT's "ftrt" magic so trtjs's file checks accept it, or "xtrt" for a plan
// that does not carry it, as a version-compatible one may not):
//   ftrt-fake
//   in  <name> <dtype> <d0,d1,...>            dims may be -1 (dynamic)
//   out <name> <dtype> <d0,d1,...> <input> [inverse]
//                                              a copy of <input>, same shape; `inverse` mirrors its last dim within
//                                              the profile (largest at the smallest input: it outgrows its buffer)
//   const <name> 0 <d0,d1,...> <v0,v1,...>    a float32 output of static shape holding these values, whatever the
//                                              input (a detection head with fixed detections)
//   recorded <name> <dtype> <d0,d1,...> <file> [<input> <fnv1a64>]
//                                              an output of static shape holding the bytes of <file> (a real model's
//                                              output recorded elsewhere, e.g. yolov8n on bus.jpg); with <input> and
//                                              the 64-bit FNV-1a hash (hex) of the input it was recorded on, enqueueV3
//                                              fails unless that input's bytes hash the same: the engine answers only
//                                              the exact tensor the real model saw. Captured into a CUDA graph, the
//                                              check runs at each replay (a host node) and a wrong input gets NaNs
//                                              (and an error logged) instead of the recorded values
//   profile <p> <input> <min> <opt> <max>     one line per dynamic input per profile, profiles in order
//   format <tensor> <format> <vectorizedDim> <components> [<profile>]
//                                              a non-linear IO format (nvinfer1::TensorFormat), for every profile or one
//   memory <bytes>                             device memory per context for all profiles (getDeviceMemorySizeV2)
//   profilememory <p> <bytes>                  for profile p alone (getDeviceMemorySizeForProfileV2)
//   hostcode                                   the plan carries host code (version-compatible, with a lean runtime)
//   warn <text> | threadwarn <text>            a warning logged while deserializing, on the caller's thread or on one
//                                              of the stand-in's own
//   note <text>                                ignored (the builder records trtjs's calls there)
#include <NvInfer.h>
#include <cuda_runtime_api.h>

// getPImpl() joined the implementation interfaces in TensorRT 8.6.
#if NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6
#define FAKE_PIMPL_OVERRIDE override
#else
#define FAKE_PIMPL_OVERRIDE
#endif

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "defaults.h"

namespace fake {

using nvinfer1::Dims;

std::atomic<int> enginesAlive{0}, enginesMade{0}, enqueues{0}, wrongDevice{0}, nullStreams{0};

// The device current on this thread (the CUDA runtime's notion), to check that what was made on one device is
// released there.
int currentDevice() {
  int d = -1;
  cudaGetDevice(&d);
  return d;
}

struct DeviceRecord {
  int device = currentDevice();
  ~DeviceRecord() {
    if (currentDevice() != device) ++wrongDevice;
  }
};

struct Format {
  int format = 0;  // nvinfer1::TensorFormat
  int vectorizedDim = -1;
  int components = -1;
};

struct Tensor {
  std::string name;
  bool input = false;
  nvinfer1::DataType dtype = nvinfer1::DataType::kFLOAT;
  std::vector<int64_t> dims;
  std::string source;  // outputs: the input they copy
  bool inverse = false;
  std::vector<float> values;      // constant outputs
  std::vector<uint8_t> recorded;  // recorded outputs: their bytes
  std::string recordedInput;      // and the input they answer, with its hash
  uint64_t recordedHash = 0;
  std::map<int, Format> formats;  // by profile; -1: every profile
};

struct Range {
  std::vector<int64_t> min, opt, max;
};

struct Plan {
  std::vector<Tensor> tensors;
  std::vector<std::map<std::string, Range>> profiles;
  int64_t memory = 0;
  std::map<int, int64_t> profileMemory;
  bool hostCode = false;
  std::vector<std::string> warnings, threadWarnings;
};

size_t bytesIn(const std::vector<int64_t>& shape, nvinfer1::DataType t, const Format& f);

// 64-bit FNV-1a, to recognise the input a recorded output answers.
uint64_t fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

std::vector<int64_t> parseDims(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoll(item));
  return out;
}

bool parse(const void* blob, size_t size, Plan& plan) {
  std::string text(static_cast<const char*>(blob), size);
  std::stringstream in(text);
  std::string line;
  if (!std::getline(in, line) || (line != "ftrt-fake" && line != "xtrt-fake")) return false;
  try {
    while (std::getline(in, line)) {
      std::stringstream words(line);
      std::string kind;
      words >> kind;
      if (kind == "in" || kind == "out") {
        Tensor t;
        int dtype = 0;
        std::string dims, flag;
        words >> t.name >> dtype >> dims;
        t.input = kind == "in";
        t.dtype = static_cast<nvinfer1::DataType>(dtype);
        t.dims = parseDims(dims);
        if (!t.input) words >> t.source >> flag;
        t.inverse = flag == "inverse";
        plan.tensors.push_back(t);
      } else if (kind == "const") {
        Tensor t;
        int dtype = 0;
        std::string dims, values, item;
        words >> t.name >> dtype >> dims >> values;
        t.dims = parseDims(dims);
        std::stringstream list(values);
        while (std::getline(list, item, ',')) t.values.push_back(std::stof(item));
        plan.tensors.push_back(t);
      } else if (kind == "recorded") {
        Tensor t;
        int dtype = 0;
        std::string dims, file, hash;
        words >> t.name >> dtype >> dims >> file;
        t.dtype = static_cast<nvinfer1::DataType>(dtype);
        t.dims = parseDims(dims);
        if (words >> t.recordedInput >> hash) t.recordedHash = std::stoull(hash, nullptr, 16);
        std::ifstream bytes(file, std::ios::binary);
        t.recorded.assign(std::istreambuf_iterator<char>(bytes), std::istreambuf_iterator<char>());
        if (t.recorded.empty() || t.recorded.size() != bytesIn(t.dims, t.dtype, Format{})) return false;
        plan.tensors.push_back(t);
      } else if (kind == "profile") {
        size_t index = 0;
        std::string name, mn, op, mx;
        words >> index >> name >> mn >> op >> mx;
        if (plan.profiles.size() <= index) plan.profiles.resize(index + 1);
        plan.profiles[index][name] = {parseDims(mn), parseDims(op), parseDims(mx)};
      } else if (kind == "format") {
        std::string name;
        Format f;
        int profile = -1;
        words >> name >> f.format >> f.vectorizedDim >> f.components;
        if (!(words >> profile)) profile = -1;
        for (Tensor& t : plan.tensors)
          if (t.name == name) t.formats[profile] = f;
      } else if (kind == "memory") {
        words >> plan.memory;
      } else if (kind == "profilememory") {
        int p = 0;
        int64_t bytes = 0;
        words >> p >> bytes;
        plan.profileMemory[p] = bytes;
      } else if (kind == "hostcode") {
        plan.hostCode = true;
      } else if (kind == "warn" || kind == "threadwarn") {
        std::string text;
        std::getline(words, text);
        (kind == "warn" ? plan.warnings : plan.threadWarnings).push_back(text.empty() ? text : text.substr(1));
      } else if (kind != "note" && !kind.empty()) {
        return false;
      }
    }
  } catch (...) {
    return false;
  }
  return !plan.tensors.empty();
}

Dims toDims(const std::vector<int64_t>& v) {
  Dims d{};
  d.nbDims = static_cast<int32_t>(v.size());
  for (size_t i = 0; i < v.size(); ++i) d.d[i] = static_cast<decltype(d.d[0] + 0)>(v[i]);
  return d;
}

std::vector<int64_t> fromDims(const Dims& d) {
  std::vector<int64_t> out;
  for (int32_t i = 0; i < d.nbDims; ++i) out.push_back(static_cast<int64_t>(d.d[i]));
  return out;
}

bool dynamic(const std::vector<int64_t>& dims) {
  for (int64_t d : dims)
    if (d < 0) return true;
  return false;
}

size_t elementSize(nvinfer1::DataType t) {
  switch (static_cast<int>(t)) {
    case 1:
    case 7:
      return 2;
    case 2:
    case 4:
    case 5:
    case 6:
      return 1;
    case 8:
      return 8;
    default:
      return 4;
  }
}

// Bytes a tensor of this shape takes in this format: the vectorized dimension padded to a multiple of the vector.
size_t bytesIn(const std::vector<int64_t>& shape, nvinfer1::DataType t, const Format& f) {
  size_t bytes = elementSize(t);
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = shape[i];
    if (static_cast<int>(i) == f.vectorizedDim && f.components > 1) d = (d + f.components - 1) / f.components * f.components;
    bytes *= static_cast<size_t>(d);
  }
  return bytes;
}

const char* formatText(int format) {
  switch (format) {
    case 0:
      return "Row major linear format";
    case 1:
      return "Two wide channel vectorized row major format";
    case 2:
      return "Channel major format where channel % 8 == 0";
    case 3:
      return "Four wide channel vectorized row major format";
    case 4:
      return "Sixteen wide channel vectorized row major format";
    case 5:
      return "Thirty-two wide channel vectorized row major format";
    case 8:
      return "Channel major format";
    default:
      return "Vectorized format";
  }
}

class Engine;

class ContextImpl : public DefaultContext {
 public:
  // perProfile: kON_PROFILE_CHANGE (device memory for the selected profile only, reallocated when it changes).
  ContextImpl(Engine& engine, nvinfer1::IExecutionContext* self, bool perProfile);
  ~ContextImpl() override;
  nvinfer1::IExecutionContext* getPImpl() noexcept FAKE_PIMPL_OVERRIDE { return self_; }
  bool setOptimizationProfileAsync(int32_t profileIndex, cudaStream_t stream) noexcept override;
  bool setInputShape(char const* tensorName, Dims const& dims) noexcept override;
  Dims getTensorShape(char const* tensorName) const noexcept override;
  bool setTensorAddress(char const* tensorName, void* data) noexcept override;
  int32_t inferShapes(int32_t nbMaxNames, char const** tensorNames) noexcept override;
  bool enqueueV3(cudaStream_t stream) noexcept override;
  bool setNvtxVerbosity(nvinfer1::ProfilingVerbosity) noexcept override { return true; }

 private:
  std::vector<int64_t> shapeOf(const Tensor& t) const;
  void reserve(int64_t bytes);
  DeviceRecord made_;  // first: checked last, after the memory below is gone
  Engine& engine_;
  nvinfer1::IExecutionContext* self_;
  bool perProfile_;
  void* memory_ = nullptr;  // activation memory, as TensorRT reserves it for a context
  int profile_ = -1;
  std::map<std::string, std::vector<int64_t>> shapes_;
  std::map<std::string, void*> addresses_;
  // Per recorded output with an input check: pinned blocks for the check as a graph replays it (made with the context:
  // nothing may be allocated while a stream is captured).
  struct RecordedCheck {
    const Tensor* output = nullptr;
    Engine* engine = nullptr;
    void* given = nullptr;   // the input's bytes, copied back on the stream
    void* answer = nullptr;  // what is copied to the output: the recorded bytes, or NaNs for a wrong input
    size_t givenBytes = 0;
  };
  std::vector<RecordedCheck> checks_;
  static void verify(void* check);
};

class Context : public nvinfer1::IExecutionContext {
 public:
  Context(Engine& engine, bool perProfile) : impl_(engine, this, perProfile) { mImpl = &impl_; }

 private:
  ContextImpl impl_;
};

class EngineImpl : public DefaultEngine {
 public:
  EngineImpl(Engine& engine, Plan plan) : engine_(engine), plan(std::move(plan)) {}
  nvinfer1::ICudaEngine* getPImpl() noexcept FAKE_PIMPL_OVERRIDE;
  int32_t getNbLayers() const noexcept override { return 1; }
#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::IExecutionContext* createExecutionContext(nvinfer1::ExecutionContextAllocationStrategy) noexcept override;
#else
  nvinfer1::IExecutionContext* createExecutionContext() noexcept override;
#endif
  int32_t getNbOptimizationProfiles() const noexcept override { return plan.profiles.empty() ? 1 : static_cast<int32_t>(plan.profiles.size()); }
  Dims getTensorShape(char const* name) const noexcept override {
    const Tensor* t = find(name);
    return t ? toDims(t->dims) : Dims{-1, {}};
  }
  nvinfer1::DataType getTensorDataType(char const* name) const noexcept override {
    const Tensor* t = find(name);
    return t ? t->dtype : nvinfer1::DataType::kFLOAT;
  }
  nvinfer1::TensorLocation getTensorLocation(char const*) const noexcept override { return nvinfer1::TensorLocation::kDEVICE; }
  bool isShapeInferenceIO(char const*) const noexcept override { return false; }
  nvinfer1::TensorIOMode getTensorIOMode(char const* name) const noexcept override {
    const Tensor* t = find(name);
    return !t ? nvinfer1::TensorIOMode::kNONE : t->input ? nvinfer1::TensorIOMode::kINPUT : nvinfer1::TensorIOMode::kOUTPUT;
  }
  Dims getProfileShape(char const* name, int32_t p, nvinfer1::OptProfileSelector select) const noexcept override {
    const Tensor* t = find(name);
    if (!t || !t->input || p < 0 || p >= getNbOptimizationProfiles()) return Dims{-1, {}};
    if (plan.profiles.empty() || !dynamic(t->dims)) return toDims(t->dims);  // static inputs: their own dims
    auto it = plan.profiles[static_cast<size_t>(p)].find(name);
    if (it == plan.profiles[static_cast<size_t>(p)].end()) return Dims{-1, {}};
    const Range& r = it->second;
    return toDims(select == nvinfer1::OptProfileSelector::kMIN ? r.min : select == nvinfer1::OptProfileSelector::kOPT ? r.opt : r.max);
  }
  int32_t getNbIOTensors() const noexcept override { return static_cast<int32_t>(plan.tensors.size()); }
  // Formats: the profile-less calls answer for profile 0 and warn on an engine with several, as TensorRT's do.
  Format formatOf(char const* name, int32_t profile) const {
    const Tensor* t = find(name ? name : "");
    if (!t) return {};
    // Before 8.6 a tensor had one format for every profile (the per-profile calls came with 8.6).
    if (NV_TENSORRT_MAJOR == 8 && NV_TENSORRT_MINOR < 6) profile = 0;
    auto it = t->formats.find(profile);
    if (it == t->formats.end()) it = t->formats.find(-1);
    return it == t->formats.end() ? Format{} : it->second;
  }
  void warnProfileless(const char* call) const {
    if (plan.profiles.size() > 1) warn(std::string(call) + " can only return the result of profile 0; use the overload with a profile index");
  }
  nvinfer1::TensorFormat getTensorFormat(char const* name) const noexcept override {
    warnProfileless("getTensorFormat");
    return static_cast<nvinfer1::TensorFormat>(formatOf(name, 0).format);
  }
  char const* getTensorFormatDesc(char const* name) const noexcept override {
    warnProfileless("getTensorFormatDesc");
    return formatText(formatOf(name, 0).format);
  }
  int32_t getTensorVectorizedDim(char const* name) const noexcept override {
    warnProfileless("getTensorVectorizedDim");
    return formatOf(name, 0).vectorizedDim;
  }
  int32_t getTensorComponentsPerElement(char const* name) const noexcept override {
    warnProfileless("getTensorComponentsPerElement");
    return formatOf(name, 0).components;
  }
#if NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6
  nvinfer1::TensorFormat getTensorFormatV2(char const* name, int32_t p) const noexcept override {
    return static_cast<nvinfer1::TensorFormat>(formatOf(name, p).format);
  }
  char const* getTensorFormatDescV2(char const* name, int32_t p) const noexcept override { return formatText(formatOf(name, p).format); }
  int32_t getTensorVectorizedDimV2(char const* name, int32_t p) const noexcept override { return formatOf(name, p).vectorizedDim; }
  int32_t getTensorComponentsPerElementV2(char const* name, int32_t p) const noexcept override { return formatOf(name, p).components; }
#endif
  int64_t profileMemory(int32_t p) const {
    auto it = plan.profileMemory.find(p);
    return it == plan.profileMemory.end() ? plan.memory : it->second;
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#if NV_TENSORRT_MAJOR < 11
  size_t getDeviceMemorySize() const noexcept override { return static_cast<size_t>(plan.memory); }
#endif
#if NV_TENSORRT_MAJOR == 10
  size_t getDeviceMemorySizeForProfile(int32_t p) const noexcept override { return static_cast<size_t>(profileMemory(p)); }
#endif
#pragma GCC diagnostic pop
#if NV_TENSORRT_MAJOR >= 10
  int64_t getDeviceMemorySizeV2() const noexcept override { return plan.memory; }
  int64_t getDeviceMemorySizeForProfileV2(int32_t p) const noexcept override { return profileMemory(p); }
#endif
  void warn(const std::string& message) const;
  char const* getIOTensorName(int32_t i) const noexcept override {
    return i >= 0 && static_cast<size_t>(i) < plan.tensors.size() ? plan.tensors[static_cast<size_t>(i)].name.c_str() : nullptr;
  }

  const Tensor* find(const std::string& name) const {
    for (const Tensor& t : plan.tensors)
      if (t.name == name) return &t;
    return nullptr;
  }
  bool isDynamic() const {
    for (const Tensor& t : plan.tensors)
      if (t.input && dynamic(t.dims)) return true;
    return false;
  }

  Engine& engine_;
  Plan plan;
  mutable std::mutex mutex;
  std::map<int, const void*> profileOwner;  // before TensorRT 10: the context holding each profile
};

class Engine : public nvinfer1::ICudaEngine {
 public:
  Engine(Plan plan, nvinfer1::ILogger* logger) : impl(*this, std::move(plan)), logger(logger) {
    mImpl = &impl;
    ++enginesAlive;
    ++enginesMade;
  }
  ~Engine() override { --enginesAlive; }
  void error(const std::string& message) const {
    if (logger) logger->log(nvinfer1::ILogger::Severity::kERROR, ("fake TensorRT: " + message).c_str());
  }
  void warn(const std::string& message) const {
    if (logger) logger->log(nvinfer1::ILogger::Severity::kWARNING, ("fake TensorRT: " + message).c_str());
  }
  DeviceRecord made;  // before impl: checked after the engine's own members are gone
  EngineImpl impl;
  nvinfer1::ILogger* logger;
};

nvinfer1::ICudaEngine* EngineImpl::getPImpl() noexcept { return &engine_; }
void EngineImpl::warn(const std::string& message) const { engine_.warn(message); }

#if NV_TENSORRT_MAJOR >= 10
nvinfer1::IExecutionContext* EngineImpl::createExecutionContext(nvinfer1::ExecutionContextAllocationStrategy strategy) noexcept {
  return new Context(engine_, strategy == nvinfer1::ExecutionContextAllocationStrategy::kON_PROFILE_CHANGE);
}
#else
nvinfer1::IExecutionContext* EngineImpl::createExecutionContext() noexcept { return new Context(engine_, false); }
#endif

void ContextImpl::reserve(int64_t bytes) {
  if (memory_) cudaFree(memory_);
  memory_ = nullptr;
  if (bytes > 0 && cudaMalloc(&memory_, static_cast<size_t>(bytes)) != cudaSuccess) memory_ = nullptr;
}

ContextImpl::ContextImpl(Engine& engine, nvinfer1::IExecutionContext* self, bool perProfile) : engine_(engine), self_(self), perProfile_(perProfile) {
  // kSTATIC: enough for every profile, at creation; kON_PROFILE_CHANGE: for the profile selected (0 at first).
  reserve(perProfile ? engine.impl.profileMemory(0) : engine.impl.plan.memory);
  for (const Tensor& t : engine.impl.plan.tensors) {
    const Tensor* src = t.recordedInput.empty() ? nullptr : engine.impl.find(t.recordedInput);
    if (t.recorded.empty() || !src) continue;
    RecordedCheck c;
    c.output = &t;
    c.engine = &engine;
    c.givenBytes = bytesIn(src->dims, src->dtype, Format{});
    if (cudaMallocHost(&c.given, c.givenBytes) != cudaSuccess || cudaMallocHost(&c.answer, t.recorded.size()) != cudaSuccess) {
      if (c.given) cudaFreeHost(c.given);
      continue;  // enqueueV3 then fails under capture ("no check blocks")
    }
    checks_.push_back(c);
  }
  // TensorRT 10+: every new context starts on profile 0. 8.6: only when no other context holds profile 0.
  EngineImpl& e = engine.impl;
  std::lock_guard<std::mutex> lock(e.mutex);
  if (NV_TENSORRT_MAJOR >= 10 || !e.isDynamic() || !e.profileOwner.count(0)) {
    profile_ = 0;
    if (NV_TENSORRT_MAJOR < 10 && e.isDynamic()) e.profileOwner[0] = this;
  }
}

ContextImpl::~ContextImpl() {
  reserve(0);
  for (RecordedCheck& c : checks_) {
    cudaFreeHost(c.given);
    cudaFreeHost(c.answer);
  }
  EngineImpl& e = engine_.impl;
  std::lock_guard<std::mutex> lock(e.mutex);
  for (auto it = e.profileOwner.begin(); it != e.profileOwner.end();) it = it->second == this ? e.profileOwner.erase(it) : std::next(it);
}

bool ContextImpl::setOptimizationProfileAsync(int32_t p, cudaStream_t stream) noexcept {
  EngineImpl& e = engine_.impl;
  if (!stream) {
    ++nullStreams;
    engine_.warn("setOptimizationProfileAsync on the default stream: it may synchronize with all other work");
  }
  if (p < 0 || p >= e.getNbOptimizationProfiles()) {
    engine_.error("profile index out of range");
    return false;
  }
  std::lock_guard<std::mutex> lock(e.mutex);
  if (NV_TENSORRT_MAJOR < 10 && e.isDynamic()) {
    auto it = e.profileOwner.find(p);
    if (it != e.profileOwner.end() && it->second != this) {
      engine_.error("profile " + std::to_string(p) + " is used by another execution context");
      return false;
    }
    for (auto o = e.profileOwner.begin(); o != e.profileOwner.end();) o = o->second == this ? e.profileOwner.erase(o) : std::next(o);
    e.profileOwner[p] = this;
  }
  if (perProfile_ && p != profile_) reserve(e.profileMemory(p));
  profile_ = p;
  shapes_.clear();  // switching profiles invalidates the input shapes
  return true;
}

bool ContextImpl::setInputShape(char const* name, Dims const& dims) noexcept {
  EngineImpl& e = engine_.impl;
  const Tensor* t = e.find(name);
  if (!t || !t->input) return engine_.error(std::string("no input ") + name), false;
  if (profile_ < 0) return engine_.error("no optimization profile selected"), false;
  std::vector<int64_t> shape = fromDims(dims);
  if (shape.size() != t->dims.size()) return engine_.error("rank mismatch"), false;
  std::vector<int64_t> mn = t->dims, mx = t->dims;
  if (!e.plan.profiles.empty() && dynamic(t->dims)) {
    const Range& r = e.plan.profiles[static_cast<size_t>(profile_)].at(name);
    mn = r.min;
    mx = r.max;
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    const bool fixed = t->dims[i] >= 0;
    if (fixed ? shape[i] != t->dims[i] : (shape[i] < mn[i] || shape[i] > mx[i])) return engine_.error(std::string("shape outside profile for ") + name), false;
  }
  shapes_[name] = shape;
  return true;
}

std::vector<int64_t> ContextImpl::shapeOf(const Tensor& t) const {
  if (t.input) {
    if (!dynamic(t.dims)) return t.dims;
    auto it = shapes_.find(t.name);
    return it == shapes_.end() ? t.dims : it->second;
  }
  if (!t.values.empty() || !t.recorded.empty()) return t.dims;
  const Tensor* src = engine_.impl.find(t.source);
  std::vector<int64_t> shape = src ? shapeOf(*src) : t.dims;
  if (t.inverse && src && !dynamic(shape) && !engine_.impl.plan.profiles.empty() && dynamic(src->dims)) {
    const Range& r = engine_.impl.plan.profiles[static_cast<size_t>(profile_ < 0 ? 0 : profile_)].at(src->name);
    shape.back() = r.max.back() + r.min.back() - shape.back();
  }
  return shape;
}

Dims ContextImpl::getTensorShape(char const* name) const noexcept {
  const Tensor* t = engine_.impl.find(name);
  return t ? toDims(shapeOf(*t)) : Dims{-1, {}};
}

bool ContextImpl::setTensorAddress(char const* name, void* data) noexcept {
  if (!engine_.impl.find(name) || !data) return engine_.error("bad tensor address"), false;
  addresses_[name] = data;
  return true;
}

int32_t ContextImpl::inferShapes(int32_t nbMaxNames, char const** names) noexcept {
  int32_t missing = 0;
  for (const Tensor& t : engine_.impl.plan.tensors) {
    if (!t.input || !dynamic(shapeOf(t))) continue;
    if (names && missing < nbMaxNames) names[missing] = t.name.c_str();
    ++missing;
  }
  return missing;
}

bool ContextImpl::enqueueV3(cudaStream_t stream) noexcept {
  if (!stream) {
    // TensorRT accepts the default stream, synchronizing around it, and warns.
    ++nullStreams;
    engine_.warn(
        "Using default stream in enqueueV3() may lead to performance issues due to additional calls to cudaStreamSynchronize() to ensure correct "
        "synchronization. Please use non-default stream instead.");
  }
  if (inferShapes(0, nullptr) != 0) return engine_.error("input shapes not specified"), false;
  if (const char* ms = std::getenv("FAKE_TRT_ENQUEUE_MS")) std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(ms)));
  for (const Tensor& t : engine_.impl.plan.tensors) {
    if (t.input) continue;
    if (!t.values.empty()) {
      auto out = addresses_.find(t.name);
      if (out == addresses_.end()) return engine_.error("tensor address not set"), false;
      size_t n = 1;
      for (int64_t d : t.dims) n *= static_cast<size_t>(d);
      std::vector<float> host(n);
      for (size_t i = 0; i < n; ++i) host[i] = t.values[i % t.values.size()];
      // Synchronized: `host` goes out of scope here.
      if (cudaMemcpyAsync(out->second, host.data(), n * sizeof(float), cudaMemcpyDefault, stream) != cudaSuccess ||
          cudaStreamSynchronize(stream) != cudaSuccess)
        return engine_.error("cudaMemcpyAsync failed"), false;
      continue;
    }
    if (!t.recorded.empty()) {
      auto out = addresses_.find(t.name);
      if (out == addresses_.end()) return engine_.error("tensor address not set"), false;
      cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
      if (stream && cudaStreamIsCapturing(stream, &capture) == cudaSuccess && capture != cudaStreamCaptureStatusNone && !t.recordedInput.empty()) {
        // Captured: the check becomes part of the graph (copy the input back, a host node checks it and chooses the
        // answer, the answer is copied to the output), since nothing may synchronize the stream now.
        RecordedCheck* check = nullptr;
        for (RecordedCheck& c : checks_)
          if (c.output == &t) check = &c;
        auto in = addresses_.find(t.recordedInput);
        if (!check || in == addresses_.end()) return engine_.error("no check blocks for a captured recorded output"), false;
        if (cudaMemcpyAsync(check->given, in->second, check->givenBytes, cudaMemcpyDefault, stream) != cudaSuccess ||
            cudaLaunchHostFunc(stream, &ContextImpl::verify, check) != cudaSuccess ||
            cudaMemcpyAsync(out->second, check->answer, t.recorded.size(), cudaMemcpyDefault, stream) != cudaSuccess)
          return engine_.error("capturing the recorded output failed"), false;
        continue;
      }
      if (!t.recordedInput.empty()) {
        const Tensor* src = engine_.impl.find(t.recordedInput);
        auto in = addresses_.find(t.recordedInput);
        if (!src || in == addresses_.end()) return engine_.error("tensor address not set"), false;
        // What the engine was given, read back as TensorRT's kernels would read it (after the stream's earlier work).
        std::vector<uint8_t> given(bytesIn(shapeOf(*src), src->dtype, Format{}));
        if (cudaMemcpyAsync(given.data(), in->second, given.size(), cudaMemcpyDefault, stream) != cudaSuccess || cudaStreamSynchronize(stream) != cudaSuccess)
          return engine_.error("cudaMemcpyAsync failed"), false;
        const uint64_t h = fnv1a(given.data(), given.size());
        if (h != t.recordedHash) {
          char text[128];
          std::snprintf(text, sizeof text, "input '%s' hashes to %016llx, not the %016llx the output of '%s' was recorded on", src->name.c_str(),
                        static_cast<unsigned long long>(h), static_cast<unsigned long long>(t.recordedHash), t.name.c_str());
          return engine_.error(text), false;
        }
      }
      // Synchronous, as for constant outputs: the bytes stay in the plan, but the copy is done before enqueue returns.
      if (cudaMemcpyAsync(out->second, t.recorded.data(), t.recorded.size(), cudaMemcpyDefault, stream) != cudaSuccess ||
          cudaStreamSynchronize(stream) != cudaSuccess)
        return engine_.error("cudaMemcpyAsync failed"), false;
      continue;
    }
    auto out = addresses_.find(t.name), in = addresses_.find(t.source);
    if (out == addresses_.end() || in == addresses_.end()) return engine_.error("tensor address not set"), false;
    std::vector<int64_t> shape = shapeOf(t);
    const Tensor& src = *engine_.impl.find(t.source);
    const int p = profile_ < 0 ? 0 : profile_;
    // Every byte of the layout: a vectorized format's padding too.
    size_t bytes = bytesIn(shape, t.dtype, engine_.impl.formatOf(t.name.c_str(), p));
    size_t inBytes = bytesIn(shapeOf(src), src.dtype, engine_.impl.formatOf(src.name.c_str(), p));
    // Writes every byte of the output, as a real engine would (an undersized buffer shows up under ASan).
    if (cudaMemsetAsync(out->second, 0x5a, bytes, stream) != cudaSuccess ||
        cudaMemcpyAsync(out->second, in->second, bytes < inBytes ? bytes : inBytes, cudaMemcpyDefault, stream) != cudaSuccess)
      return engine_.error("CUDA copy failed"), false;
  }
  ++enqueues;
  return true;
}

void ContextImpl::verify(void* data) {
  auto& c = *static_cast<RecordedCheck*>(data);
  const uint64_t h = fnv1a(static_cast<const uint8_t*>(c.given), c.givenBytes);
  if (h == c.output->recordedHash) {
    std::memcpy(c.answer, c.output->recorded.data(), c.output->recorded.size());
    return;
  }
  const float nan = __builtin_nanf("");
  for (size_t i = 0; i + 4 <= c.output->recorded.size(); i += 4) std::memcpy(static_cast<char*>(c.answer) + i, &nan, 4);
  c.engine->error("a graph replay gave input '" + c.output->recordedInput + "' bytes the output of '" + c.output->name + "' was not recorded on");
}

class RuntimeImpl : public DefaultRuntime {
 public:
  RuntimeImpl(nvinfer1::IRuntime* self, nvinfer1::ILogger* logger) : self_(self), logger_(logger) {}
  nvinfer1::IRuntime* getPImpl() noexcept FAKE_PIMPL_OVERRIDE { return self_; }
#if NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6
  void setEngineHostCodeAllowed(bool allowed) noexcept override { hostCode_ = allowed; }
  bool getEngineHostCodeAllowed() const noexcept override { return hostCode_; }
#endif
#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size) noexcept override {
#else
  nvinfer1::ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size, nvinfer1::IPluginFactory*) noexcept override {
#endif
    Plan plan;
    if (!blob || !parse(blob, size, plan)) {
      if (logger_) logger_->log(nvinfer1::ILogger::Severity::kERROR, "fake TensorRT: the plan is not a fake plan");
      return nullptr;
    }
    if (plan.hostCode && !hostCode_) {
      if (logger_)
        logger_->log(
            nvinfer1::ILogger::Severity::kERROR,
            "fake TensorRT: the plan holds host code (a version-compatible plan with its lean runtime) and the runtime does not allow engine host code");
      return nullptr;
    }
    for (const std::string& w : plan.warnings)
      if (logger_) logger_->log(nvinfer1::ILogger::Severity::kWARNING, ("fake TensorRT: " + w).c_str());
    nvinfer1::ILogger* logger = logger_;
    for (const std::string& w : plan.threadWarnings)
      std::thread([logger, w] {
        if (logger) logger->log(nvinfer1::ILogger::Severity::kWARNING, ("fake TensorRT: " + w).c_str());
      }).join();
    return new Engine(std::move(plan), logger_);
  }

 private:
  DeviceRecord made_;
  nvinfer1::IRuntime* self_;
  nvinfer1::ILogger* logger_;
  bool hostCode_ = false;
};

class Runtime : public nvinfer1::IRuntime {
 public:
  explicit Runtime(nvinfer1::ILogger* logger) : impl_(this, logger) { mImpl = &impl_; }

 private:
  RuntimeImpl impl_;
};

}  // namespace fake

extern "C" {
__attribute__((visibility("default"))) int32_t getInferLibVersion() { return NV_TENSORRT_VERSION; }
__attribute__((visibility("default"))) void* createInferRuntime_INTERNAL(void* logger, int32_t) {
  return static_cast<nvinfer1::IRuntime*>(new fake::Runtime(static_cast<nvinfer1::ILogger*>(logger)));
}
// For the harness: engines alive and made so far, enqueues run.
__attribute__((visibility("default"))) void fakeTrtCounters(int* alive, int* made, int* enqueued) {
  *alive = fake::enginesAlive;
  *made = fake::enginesMade;
  *enqueued = fake::enqueues;
}
// Runtimes, engines and contexts released on another device than the one they were made on; null streams used.
__attribute__((visibility("default"))) void fakeTrtDeviceCounters(int* wrongDevice, int* nullStreams) {
  *wrongDevice = fake::wrongDevice;
  *nullStreams = fake::nullStreams;
}
}
