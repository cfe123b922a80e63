// What a TensorRT layer gives the rest of the addon, in types that do not depend on any TensorRT version.
//
// TensorRT's C++ interfaces change between majors, so the TensorRT layer (native/trt/*.cpp) is compiled once per
// major whose headers the build finds, each copy in its own namespace (trtjs::trt10, trtjs::trt11: see
// trt/namespace.h). Each copy exports one Layer; trt/layers/select.h picks, at run time, the one whose major matches
// the libnvinfer found. Nothing in this folder includes a TensorRT header.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cpu/decode.h"
#include "cpu/letterbox.h"

namespace trtjs::trt {

struct ProfileInput {
  std::string name;
  std::vector<int64_t> min, opt, max;
};

// Set by whoever started a build (trtCancelBuild) and read by the build at every step TensorRT reports, nested
// phases included. Shared: the build holds its own reference, so the flag outlives whatever the caller drops.
using CancelFlag = std::shared_ptr<std::atomic<bool>>;

struct BuildParams {
  bool fp16 = false;           // builder flag (TensorRT <= 10)
  bool stronglyTyped = false;  // network flag (TensorRT 10; implied on 11)
  size_t workspace = 0;        // 0: TensorRT's default
  int optimizationLevel = -1;  // -1: TensorRT's default
  int device = 0;
  // Each profile lists the inputs whose dimensions it sets; no profile at all for a static network (lib/build decides,
  // as trtexec does: dimensions only for dynamic inputs, profiles only for dynamic networks).
  std::vector<std::vector<ProfileInput>> profiles;
  std::vector<uint8_t> timingCache;
  CancelFlag cancel;  // never null when a build starts
};

struct BuildResult {
  std::vector<uint8_t> plan;
  std::vector<uint8_t> timingCache;
  int networkLayers = 0;
  std::string engineInfo;  // IEngineInspector JSON (layer precisions), "" when unavailable
  std::vector<std::string> warnings;
};

// Called from the build's threads with each step of a top-level phase: (phase, step, steps). Reports only: a build is
// cancelled through BuildParams::cancel.
using Progress = std::function<void(const std::string& phase, int step, int steps)>;

// How an IO tensor is laid out in memory (ICudaEngine::getTensorFormat and its companions).
struct TensorFormat {
  int format = 0;          // nvinfer1::TensorFormat as int; 0 is kLINEAR, the only layout JavaScript arrays have
  std::string text;        // TensorRT's own description, e.g. "Row major linear FP32 format"
  int vectorizedDim = -1;  // the dimension packed into vectors, -1 when none
  int components = 1;      // elements per vector (the vectorized dimension is padded to a multiple of it)
};

struct TensorDesc {
  std::string name;
  bool input = false;
  int dtype = 0;                      // nvinfer1::DataType as int; named in lib/
  std::vector<int64_t> shape;         // -1 where dynamic
  std::vector<TensorFormat> formats;  // per optimization profile (one for an engine without profiles)
};

struct EngineDesc {
  std::vector<TensorDesc> tensors;
  std::vector<std::vector<ProfileInput>> profiles;  // per profile, the range of each input with runtime dims
  // Device memory an execution context reserves for its activations: by default enough for every profile
  // (deviceMemory), or, allocated per profile (TensorRT 10+: kON_PROFILE_CHANGE), what its profile needs.
  int64_t deviceMemory = 0;
  std::vector<int64_t> profileMemory;  // per profile; empty before TensorRT 10
  int layers = 0;
  std::vector<std::string> warnings;  // what TensorRT warned about while deserializing the plan
};

// How a plan is deserialized.
struct LoadOptions {
  // IRuntime::setEngineHostCodeAllowed (TensorRT 8.6+): version-compatible plans carry host code (a lean runtime),
  // which TensorRT runs only when allowed. Off unless the caller trusts the plan.
  bool allowHostCode = false;
};

// What an execution context reserves device memory for (IExecutionContext allocation strategy, TensorRT 10+).
enum class ContextMemory : int {
  kStatic = 0,   // enough for every profile (TensorRT's default; the only one before 10)
  kProfile = 1,  // enough for the context's own profile (kON_PROFILE_CHANGE)
};

// A context's pinned host block for one IO tensor. `owner` frees it when the last holder lets go.
struct Staging {
  void* host = nullptr;
  size_t bytes = 0;
  std::shared_ptr<void> owner;
};

// The libraries one layer opened, or why it could not.
struct LibraryStatus {
  bool loaded = false;
  std::string version;    // of the libnvinfer actually opened, e.g. "10.3.0"; "" when none
  std::string inferPath;  // its real path (symlinks resolved); "" when none
  std::string error;      // why nothing usable was opened: every candidate with its dlerror, or a version mismatch
  // A libnvinfer of this layer's major was found but refused (older than the headers, incomplete): its version and
  // path. Empty when none was found at all.
  std::string refusedVersion;
  std::string refusedPath;
  bool parserLoaded = false;
  std::string parserPath;   // real path of libnvonnxparser; "" when none
  std::string parserError;  // reported apart from `error`: running engines needs no parser
  // libnvinfer_plugin (TensorRT's standard plugins, registered with initLibNvInferPlugins when found): engines and
  // ONNX models that use them need it; the rest do not.
  bool pluginsLoaded = false;
  std::string pluginsPath;
  std::string pluginsError;
  // libnvinfer_builder_resource*.so.<version>: the kernels a builder needs, which libnvinfer dlopens by bare name when
  // it creates one. Found next to libnvinfer (real paths), or through the dynamic loader's own search; empty, with
  // builderError saying why, when building cannot work here.
  std::vector<std::string> builderResources;
  std::string builderError;
};

// What a run does besides running, for benchmarks (trtexec's --noDataTransfers, --useSpinWait, event timing).
struct RunOptions {
  bool timing = false;    // record CUDA events before and after the input copies, the enqueue and the output copies
  bool transfers = true;  // copy inputs to the device and outputs back (mapped staging never copies)
  bool spinWait = false;  // wait for the stream by polling it instead of cudaStreamSynchronize
  // Launch what enqueueV3 queues from a CUDA graph (trtexec --useCudaGraph): captured per context after a plain run,
  // replayed while the input shapes stay the same, recaptured when they change. ERR_ENGINE_INCOMPATIBLE when the
  // engine's work cannot be captured.
  bool cudaGraph = false;
};

// How a run used CUDA graphs (RunTiming::graph, ImageInResult::graph).
enum class GraphResult : int {
  kPlain = 0,     // ran plainly
  kCaptured = 1,  // ran plainly, then was captured for the next run
  kReplayed = 2,  // a graph replay
};

// One run's timings. Host times are on CLOCK_MONOTONIC in milliseconds (std::chrono::steady_clock, the clock of
// Node's process.hrtime), so JavaScript can place them on its own timeline. Event times are GPU durations.
struct RunTiming {
  double issueMs = 0;         // host: just before the first event is recorded (the stream is idle then)
  double enqueueStartMs = 0;  // host: around enqueueV3 alone, as trtexec's Enqueue Time
  double enqueueEndMs = 0;
  float h2dMs = 0;      // events: input copies (0 without transfers)
  float computeMs = 0;  // events: what enqueueV3 queued
  float d2hMs = 0;      // events: output copies (0 without transfers)
  GraphResult graph = GraphResult::kPlain;
};

// Image in, detections out (Engine::detect): a decoded frame that JavaScript wrote into the context's frame staging,
// letterboxed on the device into the input binding, the engine enqueued, its detection head decoded + NMS on the
// device, and only the detections copied back. Every value comes from lib/ (geometry, pad value, decode options).
// CUDA graphs for the image-in work: off, where the engine can be captured (else the plain path), or required.
enum class GraphMode : int { kOff = 0, kAuto = 1, kRequired = 2 };

struct ImageInRequest {
  int width = 0, height = 0, channels = 0;
  int64_t stride = 0;                                 // bytes per row of the frame
  cpu::PixelOrder order = cpu::PixelOrder::RGB;       // any order the CPU letterbox takes
  cpu::LetterboxGeometry geometry{0, 0, 0, 0, 0, 0};  // the input binding is [1, 3, outHeight, outWidth]
  uint8_t padValue = 0;
  size_t output = 0;          // the IO tensor (describe().tensors order) holding the detection head [1, rows, cols]
  cpu::DecodeOptions decode;  // its `classes` is set from `classes` by the runtime
  std::vector<int32_t> classes;
  bool filterClasses = false;
  GraphMode graph = GraphMode::kOff;
};

struct ImageInResult {
  cpu::Detections detections;  // boxes in input-tensor pixels, as the CPU decode gives them
  int candidates = 0;          // candidates before NMS (rows over conf for end-to-end heads)
  GraphResult graph = GraphResult::kPlain;
};

// A deserialized plan and, once createContexts ran, its execution contexts (trt/runtime.h has the contract).
class Engine {
 public:
  virtual ~Engine() = default;
  virtual const EngineDesc& describe() const = 0;
  // One execution context per entry, serving that optimization profile (0 for an engine without profiles). Once.
  // Returns what TensorRT warned about meanwhile.
  virtual std::vector<std::string> createContexts(const std::vector<int>& profiles, bool mapped, ContextMemory memory) = 0;
  virtual size_t contextCount() const = 0;
  virtual Staging staging(size_t c, size_t t) const = 0;
  // With options.timing, `timing` (required then) receives the run's timings.
  virtual std::vector<std::vector<int64_t>> run(size_t c, const std::vector<std::vector<int64_t>>& inputShapes, const RunOptions& options = {},
                                                RunTiming* timing = nullptr) = 0;
  // Image in (trt/runtime.h): frame staging of `frameBytes` per context, once; then detect() per request.
  virtual void enableImageIn(size_t frameBytes) = 0;
  virtual Staging frameStaging(size_t c) const = 0;
  virtual ImageInResult detect(size_t c, const ImageInRequest& request) = 0;
};

// One compiled TensorRT layer. The functions throw CodedError as their per-major counterparts document.
struct Layer {
  int major;
  std::string headers;  // the TensorRT version of the headers it was compiled against, e.g. "10.3.0"
  int headersMinor;
  // Opens this major's libraries on first call (once per process); never throws.
  const LibraryStatus& (*status)();
  BuildResult (*buildEngine)(const uint8_t* onnx, size_t size, const BuildParams& params, const Progress& progress);
  EngineDesc (*inspectEngine)(const uint8_t* plan, size_t size, int device, const LoadOptions& options);
  std::shared_ptr<Engine> (*loadEngine)(const uint8_t* plan, size_t size, int device, const LoadOptions& options);
};

}  // namespace trtjs::trt
