#include "trt/runtime.h"

#include <NvInferRuntime.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "common/coded_error.h"
#include "cuda/check.h"
#include "cuda/kernels.h"
#include "cuda/pinned.h"
#include "trt/dims.h"
#include "trt/loader.h"
#include "trt/logger.h"

namespace trtjs::TRTJS_TRT_NS {

namespace {

// Bytes per element of nvinfer1::DataType; 0 for the sub-byte types, which trtjs does not exchange.
size_t elementSize(nvinfer1::DataType t) {
  switch (static_cast<int>(t)) {
    case 0:
      return 4;  // kFLOAT
    case 1:
      return 2;  // kHALF
    case 2:
      return 1;  // kINT8
    case 3:
      return 4;  // kINT32
    case 4:
      return 1;  // kBOOL
    case 5:
      return 1;  // kUINT8
    case 6:
      return 1;  // kFP8
    case 7:
      return 2;  // kBF16
    case 8:
      return 8;  // kINT64
    default:
      return 0;
  }
}

// Elements of a shape; 0 for a dynamic (negative) dim; SIZE_MAX when the product overflows.
size_t volume(const std::vector<int64_t>& dims) {
  size_t v = 1;
  for (int64_t d : dims) {
    if (d < 0) return 0;
    if (__builtin_mul_overflow(v, static_cast<size_t>(d), &v)) return SIZE_MAX;
  }
  return v;
}

// Bytes of a tensor of this shape in this layout. A vectorized format (kCHW4, kCHW16, kHWC8, ...) packs
// `components` elements of the vectorized dimension together and pads that dimension to a multiple of them, as
// trtexec sizes its buffers; a linear tensor is volume x element size.
size_t bytesOf(const std::vector<int64_t>& dims, nvinfer1::DataType t, const TensorFormat& f) {
  std::vector<int64_t> padded = dims;
  if (f.vectorizedDim >= 0 && static_cast<size_t>(f.vectorizedDim) < padded.size() && f.components > 1 && padded[static_cast<size_t>(f.vectorizedDim)] > 0) {
    int64_t& d = padded[static_cast<size_t>(f.vectorizedDim)];
    d = (d + f.components - 1) / f.components * f.components;
  }
  size_t n = volume(padded), out = 0;
  return __builtin_mul_overflow(n, elementSize(t), &out) ? SIZE_MAX : out;
}

void checkCuda(cudaError_t err, const std::string& what) { cuda::check(err, what); }

double monotonicMs() { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string shapeText(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

// A device buffer that only grows: what a request needs is known only with its options (multi-label decoding needs
// anchors x classes keys). Grown under the context's busy flag, on the engine's device.
struct DeviceArea {
  void* ptr = nullptr;
  size_t bytes = 0;
  ~DeviceArea() {
    if (ptr) cudaFree(ptr);
  }
  void* reserve(size_t need, const char* what) {
    if (need <= bytes && ptr) return ptr;
    if (ptr) cudaFree(ptr);
    ptr = nullptr;
    bytes = 0;
    checkCuda(cudaMalloc(&ptr, need > 0 ? need : 1), std::string("cudaMalloc (") + what + ")");
    bytes = need;
    return ptr;
  }
};

// A page-locked host block that only grows, mapped into the device with the contexts' staging.
struct PinnedArea {
  cuda::PinnedBuffer buffer;
  ~PinnedArea() {
    if (buffer.host) cuda::freePinned(buffer.host);
  }
  void reserve(size_t need, bool mapped, int device, const char* what) {
    if (need <= buffer.bytes && buffer.host) return;
    if (buffer.host) cuda::freePinned(buffer.host);
    buffer = {};
    const std::string err = cuda::allocPinned(need > 0 ? need : 1, mapped, device, buffer);
    if (!err.empty()) throw CodedError("ERR_CUDA", std::string("pinned memory for ") + what + ": " + err);
    if (mapped && !buffer.device) throw CodedError("ERR_CUDA", std::string("pinned memory for ") + what + " could not be mapped into the device");
    buffer.bytes = need;
  }
};

}  // namespace

// A context's image-in stage (enableImageIn): the frame staging JavaScript writes (pinned; mapped with the contexts'
// staging, then the device reads it in place), its device copy (not when mapped), the decode workspace and class
// filter on the device, and the detections (pinned; written in place when mapped, else copied back from the device).
struct ImageInStage {
  Staging frame;
  void* frameOnDevice = nullptr;  // the frame's device address: `ownFrame`, or the mapped staging's alias
  DeviceArea ownFrame, workspace, classes, detectionsOnDevice;
  PinnedArea detections;
  // The CUDA graph of the last request's work and the bytes of the launches it captured (detect()).
  cudaGraphExec_t graph = nullptr;
  std::vector<uint8_t> graphKey;
  bool graphRefused = false;  // capture failed once: cudaGraph 'auto' stays on the plain path
  void dropGraph() {
    if (graph) cudaGraphExecDestroy(graph);
    graph = nullptr;
    graphKey.clear();
  }
  ~ImageInStage() { dropGraph(); }
};

namespace {

// Captures what `enqueue` queues on `stream` into an instantiated graph. Returns "" or why it cannot be captured
// (the stream is left out of capture, and no non-sticky error behind, either way).
template <class Enqueue>
std::string capture(cudaStream_t stream, Enqueue&& enqueue, cudaGraphExec_t& exec) {
  cudaError_t err = cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
  if (err != cudaSuccess) return cuda::describe("cudaStreamBeginCapture", err);
  std::string why;
  try {
    enqueue();
  } catch (const std::exception& e) {
    why = e.what();
  }
  cudaGraph_t graph = nullptr;
  err = cudaStreamEndCapture(stream, &graph);
  if (why.empty() && err != cudaSuccess) why = cuda::describe("cudaStreamEndCapture", err);
  if (why.empty()) {
    err = cudaGraphInstantiateWithFlags(&exec, graph, 0);
    if (err != cudaSuccess) why = cuda::describe("cudaGraphInstantiate", err);
  }
  if (graph) cudaGraphDestroy(graph);
  cudaGetLastError();
  return why;
}

}  // namespace

// One lane. Owns everything it allocates, so a constructor that throws halfway leaks nothing.
struct EngineRuntime::Context {
  int device = 0;
  std::unique_ptr<nvinfer1::IExecutionContext> context;
  cudaStream_t stream = nullptr;
  // Per IO tensor, desc_.tensors order. Shared: JavaScript's ArrayBuffers over a block keep it alive, so even an
  // ArrayBuffer that escaped dispose() (moved by ArrayBuffer.prototype.transfer) never points at freed memory.
  std::vector<Staging> staging;
  std::vector<void*> deviceBuffers;  // per IO tensor; nullptr when the staging is mapped
  std::vector<void*> bound;          // per IO tensor: the address TensorRT was given (device buffer or mapped alias)
  std::unique_ptr<ImageInStage> imageIn;
  // run()'s CUDA graph (RunOptions::cudaGraph): what enqueueV3 queued for these input shapes.
  cudaGraphExec_t runGraph = nullptr;
  std::vector<std::vector<int64_t>> runGraphShapes;
  cudaEvent_t events[4] = {};  // made on the first timed run: before H2D, before/after enqueue, after D2H
  std::atomic<bool> busy{false};
  int profile = 0;

  // Runs with the engine's device current (Impl's destructor, or createContexts' guard).
  ~Context() {
    if (stream) cudaStreamSynchronize(stream);
    if (runGraph) cudaGraphExecDestroy(runGraph);
    imageIn.reset();
    context.reset();
    for (void* p : deviceBuffers)
      if (p) cudaFree(p);
    for (cudaEvent_t e : events)
      if (e) cudaEventDestroy(e);
    if (stream) cudaStreamDestroy(stream);
  }
};

// Members are destroyed in reverse order: contexts before the engines they came from, engines before the runtime,
// all of it on the engine's device (the destructor makes it current first), and the caller's device back last.
struct EngineRuntime::Impl {
  struct Restore {
    int previous = -1;
    ~Restore() {
      if (previous >= 0) cudaSetDevice(previous);
    }
  } restore;  // first member: destroyed last
  int device = 0;
  LoadOptions options;
  std::vector<uint8_t> plan;  // before TensorRT 10, kept until the contexts are made (engine copies need it)
  std::unique_ptr<nvinfer1::IRuntime> runtime;
  std::vector<std::unique_ptr<nvinfer1::ICudaEngine>> engines;
  std::vector<std::vector<bool>> profileTaken;  // per engine copy, per profile
  std::vector<std::unique_ptr<Context>> contexts;
  bool mapped = false;
  std::atomic<bool> contextsMade{false};  // createContexts was called (once only)
  std::atomic<bool> ready{false};         // and finished: `contexts` is complete and never changes again
  std::atomic<bool> imageInAsked{false};  // enableImageIn was called (once only)

  ~Impl() {
    if (cudaGetDevice(&restore.previous) != cudaSuccess) restore.previous = -1;
    cudaSetDevice(device);
  }
};

EngineRuntime::EngineRuntime(const uint8_t* plan, size_t size, int device, const LoadOptions& options) : impl_(new Impl) {
  Impl& m = *impl_;
  m.device = device;
  m.options = options;
  const LibraryStatus& lib = status();
  if (!lib.loaded) throw CodedError("ERR_TRT_UNAVAILABLE", lib.error);
  checkCuda(cudaSetDevice(device), "cudaSetDevice(" + std::to_string(device) + ")");
  Capture logged(true);  // deserializing warns about plans made elsewhere; TensorRT may log that from its own threads
  m.runtime.reset(createRuntime());
  if (!m.runtime) throw CodedError("ERR_TRT_UNAVAILABLE", "createInferRuntime failed: " + logged.lastError());
  configureRuntime(*m.runtime, options);
  m.engines.emplace_back(deserialize(*m.runtime, logged, plan, size, options));
  desc_ = describeEngine(*m.engines[0]);
  for (const TensorDesc& t : desc_.tensors) {
    nvinfer1::ICudaEngine& e = *m.engines[0];
    if (e.isShapeInferenceIO(t.name.c_str()))
      throw CodedError("ERR_ENGINE_INCOMPATIBLE", "tensor '" + t.name + "' is a shape tensor, which trtjs does not support");
    if (e.getTensorLocation(t.name.c_str()) != nvinfer1::TensorLocation::kDEVICE)
      throw CodedError("ERR_ENGINE_INCOMPATIBLE", "tensor '" + t.name + "' lives in host memory (a shape tensor), which trtjs does not support");
    if (elementSize(e.getTensorDataType(t.name.c_str())) == 0)
      throw CodedError("ERR_ENGINE_INCOMPATIBLE", "tensor '" + t.name + "' has a data type trtjs does not exchange (sub-byte or scaling type)");
  }
  if (NV_TENSORRT_MAJOR < 10) m.plan.assign(plan, plan + size);
  desc_.warnings = logged.warnings();
}

std::vector<std::string> EngineRuntime::createContexts(const std::vector<int>& profiles, bool mapped, ContextMemory memory) {
  Impl& m = *impl_;
  if (m.contextsMade.exchange(true)) throw CodedError("ERR_NATIVE", "the execution contexts of this engine were made already");
  if (profiles.empty()) throw CodedError("ERR_BAD_INPUT", "at least one execution context is needed");
  const int profileCount = std::max(static_cast<int>(desc_.profiles.size()), 1);
  for (int p : profiles)
    if (p < 0 || p >= profileCount)
      throw CodedError("ERR_BAD_INPUT", "optimization profile " + std::to_string(p) + " does not exist (the engine has " + std::to_string(profileCount) + ")");
#if NV_TENSORRT_MAJOR < 10
  if (memory != ContextMemory::kStatic) throw CodedError("ERR_BAD_INPUT", "per-profile context memory needs TensorRT 10 or newer");
#endif
  bool dynamic = false;
  for (const TensorDesc& t : desc_.tensors) dynamic = dynamic || (t.input && hasDynamicDim(t.shape));

  cuda::DeviceGuard onDevice(m.device);
  checkCuda(onDevice.error(), "cudaSetDevice(" + std::to_string(m.device) + ")");
  Capture logged(true);
  m.mapped = mapped;
  if (m.profileTaken.empty()) m.profileTaken.emplace_back(static_cast<size_t>(profileCount), false);
  // Made here and kept only when every one is: a throw releases them (on the device, by the guard above).
  std::vector<std::unique_ptr<Context>> made;
  for (int profile : profiles) {
    // Before TensorRT 10, "each execution context in concurrent use must use a separate optimization profile" of a
    // dynamic-shape engine: a second context on a profile gets its own engine copy, as Triton gives each model
    // instance its own engine. From 10.0 profile sharing is always on (PreviewFeature::kPROFILE_SHARING_0806), and
    // contexts share one engine as trtexec's --streams do.
    size_t e = 0;
    if (dynamic && NV_TENSORRT_MAJOR < 10) {
      while (e < m.engines.size() && m.profileTaken[e][static_cast<size_t>(profile)]) ++e;
      if (e == m.engines.size()) {
        m.engines.emplace_back(deserialize(*m.runtime, logged, m.plan.data(), m.plan.size(), m.options));
        m.profileTaken.emplace_back(static_cast<size_t>(profileCount), false);
      }
      m.profileTaken[e][static_cast<size_t>(profile)] = true;
    }
    nvinfer1::ICudaEngine& engine = *m.engines[e];

    auto ctx = std::make_unique<Context>();
    ctx->device = m.device;
    ctx->profile = profile;
#if NV_TENSORRT_MAJOR >= 10
    ctx->context.reset(engine.createExecutionContext(memory == ContextMemory::kProfile ? nvinfer1::ExecutionContextAllocationStrategy::kON_PROFILE_CHANGE
                                                                                       : nvinfer1::ExecutionContextAllocationStrategy::kSTATIC));
#else
    ctx->context.reset(engine.createExecutionContext());
#endif
    if (!ctx->context) throw CodedError("ERR_CUDA", "createExecutionContext failed (out of device memory?): " + logged.lastError());
    // Engines built with detailed profiling verbosity (trtjs builds them so, for the layer report) would otherwise
    // emit NVTX ranges per layer on every enqueue.
    ctx->context->setNvtxVerbosity(nvinfer1::ProfilingVerbosity::kNONE);
    checkCuda(cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking), "cudaStreamCreate");
    if (dynamic) {
      // Set for every context, profile 0 included, as trtexec does: TensorRT 8.6 assigns profile 0 implicitly only
      // to the first context of an engine.
      if (!ctx->context->setOptimizationProfileAsync(profile, ctx->stream))
        throw CodedError("ERR_SHAPE", "cannot select optimization profile " + std::to_string(profile) + ": " + logged.lastError());
      checkCuda(cudaStreamSynchronize(ctx->stream), "cudaStreamSynchronize");
      // With every input at the profile's maximum, each output takes its largest shape: buffers sized once. (An
      // output that does not grow with its inputs is caught before enqueue, in run().)
      for (const ProfileInput& p : desc_.profiles.at(static_cast<size_t>(profile))) {
        // Static inputs keep their shape, as in trtexec (only inputs with runtime dims are set).
        if (!hasDynamicDim(toVector(engine.getTensorShape(p.name.c_str())))) continue;
        if (!ctx->context->setInputShape(p.name.c_str(), toDims(p.max)))
          throw CodedError("ERR_SHAPE", "cannot set the maximum shape " + shapeText(p.max) + " of '" + p.name + "': " + logged.lastError());
      }
    }
    for (const TensorDesc& t : desc_.tensors) {
      const std::vector<int64_t> dims = toVector(ctx->context->getTensorShape(t.name.c_str()));
      if (hasDynamicDim(dims)) throw CodedError("ERR_ENGINE_INCOMPATIBLE", "output '" + t.name + "' has a data-dependent shape, which trtjs does not support");
      // Sized for the layout TensorRT reads and writes, padding of vectorized formats included: lib/ refuses to
      // exchange such tensors, but no buffer TensorRT is given may be smaller than what it touches.
      const size_t bytes = bytesOf(dims, engine.getTensorDataType(t.name.c_str()), t.formats.at(static_cast<size_t>(profile)));
      cuda::PinnedBuffer host;
      const std::string err = cuda::allocPinned(bytes > 0 ? bytes : 1, mapped, m.device, host);
      if (!err.empty()) throw CodedError("ERR_CUDA", "pinned staging for '" + t.name + "': " + err);
      ctx->staging.push_back({host.host, bytes, std::shared_ptr<void>(host.host, [](void* p) { cuda::freePinned(p); })});
      if (mapped && !host.device) throw CodedError("ERR_CUDA", "pinned staging for '" + t.name + "' could not be mapped into the device");
      void* address = host.device;
      if (!mapped) checkCuda(cudaMalloc(&address, bytes > 0 ? bytes : 1), "cudaMalloc for '" + t.name + "'");
      ctx->deviceBuffers.push_back(mapped ? nullptr : address);
      ctx->bound.push_back(address);
      if (!ctx->context->setTensorAddress(t.name.c_str(), address))
        throw CodedError("ERR_CUDA", "setTensorAddress failed for '" + t.name + "': " + logged.lastError());
    }
    made.push_back(std::move(ctx));
  }
  m.contexts = std::move(made);
  m.ready = true;
  m.plan.clear();
  m.plan.shrink_to_fit();
  return logged.warnings();
}

EngineRuntime::~EngineRuntime() = default;

size_t EngineRuntime::contextCount() const { return impl_->ready ? impl_->contexts.size() : 0; }

Staging EngineRuntime::staging(size_t c, size_t t) const {
  if (!impl_->ready) throw CodedError("ERR_BAD_INPUT", "no execution context " + std::to_string(c));
  return impl_->contexts.at(c)->staging.at(t);
}

std::vector<std::vector<int64_t>> EngineRuntime::run(size_t c, const std::vector<std::vector<int64_t>>& inputShapes, const RunOptions& options,
                                                     RunTiming* timing) {
  Impl& m = *impl_;
  if (options.timing && !timing) throw CodedError("ERR_BAD_INPUT", "a timed run needs somewhere to put its timings");
  if (!m.ready || c >= m.contexts.size()) throw CodedError("ERR_BAD_INPUT", "no execution context " + std::to_string(c));
  Context& x = *m.contexts[c];
  if (x.busy.exchange(true)) throw CodedError("ERR_NATIVE", "execution context " + std::to_string(c) + " is already running a request");
  struct Idle {
    std::atomic<bool>& busy;
    ~Idle() { busy = false; }
  } idle{x.busy};
  Capture logged;  // this request's own messages, whatever the other contexts log meanwhile

  checkCuda(cudaSetDevice(m.device), "cudaSetDevice");
  size_t k = 0;
  std::vector<size_t> inBytes;
  for (size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (!t.input) continue;
    if (k >= inputShapes.size()) throw CodedError("ERR_BAD_INPUT", "no shape for input '" + t.name + "'");
    const std::vector<int64_t>& shape = inputShapes[k++];
    for (int64_t d : shape)
      if (d <= 0 || d > INT32_MAX) throw CodedError("ERR_SHAPE", "input '" + t.name + "': shape " + shapeText(shape) + " has a dimension outside [1, 2^31)");
    const size_t bytes = bytesOf(shape, static_cast<nvinfer1::DataType>(t.dtype), t.formats.at(static_cast<size_t>(x.profile)));
    if (shape.size() != t.shape.size() || bytes > x.staging[i].bytes)
      throw CodedError("ERR_SHAPE", "input '" + t.name + "': shape " + shapeText(shape) + " is outside this context's optimization profile");
    if (!x.context->setInputShape(t.name.c_str(), toDims(shape)))
      throw CodedError("ERR_SHAPE", "input '" + t.name + "': TensorRT refused shape " + shapeText(shape) + ": " + logged.lastError());
    inBytes.push_back(bytes);
  }
  if (k != inputShapes.size()) throw CodedError("ERR_BAD_INPUT", "more shapes than the engine has inputs");
  // inferShapes, not allInputDimensionsSpecified (which ignores setInputShape): it also names what is missing.
  char const* missing[4] = {};
  const int32_t unspecified = x.context->inferShapes(4, missing);
  if (unspecified != 0) {
    std::string names;
    for (int32_t j = 0; j < unspecified && j < 4; ++j) names += std::string(j ? ", " : " ") + (missing[j] ? missing[j] : "?");
    throw CodedError("ERR_SHAPE",
                     unspecified > 0 ? "input shapes not specified:" + names : "the input shapes give an invalid output shape: " + logged.lastError());
  }
  // Every output must fit its buffer before TensorRT writes it.
  std::vector<std::vector<int64_t>> shapes;
  std::vector<size_t> outBytes;
  for (size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (t.input) continue;
    std::vector<int64_t> dims = toVector(x.context->getTensorShape(t.name.c_str()));
    const size_t bytes = bytesOf(dims, static_cast<nvinfer1::DataType>(t.dtype), t.formats.at(static_cast<size_t>(x.profile)));
    if (hasDynamicDim(dims) || bytes > x.staging[i].bytes)
      throw CodedError("ERR_SHAPE", "output '" + t.name + "' would have shape " + shapeText(dims) + ", larger than at the profile's maximum input shapes");
    shapes.push_back(std::move(dims));
    outBytes.push_back(bytes);
  }

  // However this ends, nothing queued on the stream may still touch the staging once the context is released.
  struct Drain {
    cudaStream_t stream;
    ~Drain() { cudaStreamSynchronize(stream); }
  } drain{x.stream};
  const bool copies = !m.mapped && options.transfers;
  if (options.timing && !x.events[3]) {
    for (cudaEvent_t& e : x.events)
      if (!e) checkCuda(cudaEventCreate(&e), "cudaEventCreate");  // a failure halfway leaves the rest for next time
  }
  auto mark = [&](int k) {
    if (options.timing) checkCuda(cudaEventRecord(x.events[k], x.stream), "cudaEventRecord");
  };
  if (options.timing) timing->issueMs = monotonicMs();
  mark(0);
  if (copies) {
    for (size_t i = 0, j = 0; i < desc_.tensors.size(); ++i) {
      if (!desc_.tensors[i].input) continue;
      checkCuda(cudaMemcpyAsync(x.deviceBuffers[i], x.staging[i].host, inBytes[j++], cudaMemcpyHostToDevice, x.stream), "cudaMemcpyAsync to the device");
    }
  }
  mark(1);
  // A graph replays the enqueue it captured: the same kernels on the same addresses, so only for the same shapes.
  const bool replay = options.cudaGraph && x.runGraph && x.runGraphShapes == inputShapes;
  const double enqueueStart = options.timing ? monotonicMs() : 0;
  if (replay)
    checkCuda(cudaGraphLaunch(x.runGraph, x.stream), "cudaGraphLaunch (inference)");
  else if (!x.context->enqueueV3(x.stream))
    throw CodedError("ERR_NATIVE", "enqueueV3 failed: " + logged.lastError());
  if (options.timing) {
    timing->enqueueStartMs = enqueueStart;
    timing->enqueueEndMs = monotonicMs();
  }
  mark(2);
  if (copies) {
    for (size_t i = 0, j = 0; i < desc_.tensors.size(); ++i) {
      if (desc_.tensors[i].input) continue;
      checkCuda(cudaMemcpyAsync(x.staging[i].host, x.deviceBuffers[i], outBytes[j++], cudaMemcpyDeviceToHost, x.stream), "cudaMemcpyAsync to the host");
    }
  }
  mark(3);
  if (options.spinWait) {
    cudaError_t state;
    while ((state = cudaStreamQuery(x.stream)) == cudaErrorNotReady) {
    }
    checkCuda(state, "cudaStreamQuery (inference)");
  } else {
    checkCuda(cudaStreamSynchronize(x.stream), "cudaStreamSynchronize (inference)");
  }
  if (options.timing) {
    checkCuda(cudaEventElapsedTime(&timing->h2dMs, x.events[0], x.events[1]), "cudaEventElapsedTime (H2D)");
    checkCuda(cudaEventElapsedTime(&timing->computeMs, x.events[1], x.events[2]), "cudaEventElapsedTime (compute)");
    checkCuda(cudaEventElapsedTime(&timing->d2hMs, x.events[2], x.events[3]), "cudaEventElapsedTime (D2H)");
  }
  // As trtexec does: a plain run first, then the enqueue captured for the runs that follow (capturing runs nothing).
  if (options.cudaGraph && !replay) {
    if (x.runGraph) cudaGraphExecDestroy(x.runGraph);
    x.runGraph = nullptr;
    x.runGraphShapes.clear();
    const std::string why = capture(
        x.stream,
        [&] {
          if (!x.context->enqueueV3(x.stream)) throw std::runtime_error("enqueueV3 failed while capturing: " + logged.lastError());
        },
        x.runGraph);
    if (!why.empty())
      throw CodedError("ERR_ENGINE_INCOMPATIBLE", "this engine's inference cannot be captured into a CUDA graph (" + why + "); run it without cudaGraph");
    x.runGraphShapes = inputShapes;
  }
  if (options.timing) timing->graph = replay ? GraphResult::kReplayed : options.cudaGraph ? GraphResult::kCaptured : GraphResult::kPlain;
  return shapes;
}

void EngineRuntime::enableImageIn(size_t frameBytes) {
  Impl& m = *impl_;
  if (!m.ready) throw CodedError("ERR_BAD_INPUT", "the execution contexts must be made before image in is enabled");
  if (frameBytes == 0) throw CodedError("ERR_BAD_INPUT", "the frame staging must hold at least one byte");
  if (m.imageInAsked.exchange(true)) throw CodedError("ERR_NATIVE", "image in was enabled on this engine already");
  cuda::DeviceGuard onDevice(m.device);
  checkCuda(onDevice.error(), "cudaSetDevice(" + std::to_string(m.device) + ")");
  // Made here and handed to the contexts only when every one is: a throw releases them (on the device, by the guard).
  std::vector<std::unique_ptr<ImageInStage>> made;
  for (size_t c = 0; c < m.contexts.size(); ++c) {
    auto stage = std::make_unique<ImageInStage>();
    cuda::PinnedBuffer host;
    const std::string err = cuda::allocPinned(frameBytes, m.mapped, m.device, host);
    if (!err.empty()) throw CodedError("ERR_CUDA", "pinned frame staging: " + err);
    stage->frame = {host.host, frameBytes, std::shared_ptr<void>(host.host, [](void* p) { cuda::freePinned(p); })};
    if (m.mapped && !host.device) throw CodedError("ERR_CUDA", "the pinned frame staging could not be mapped into the device");
    stage->frameOnDevice = m.mapped ? host.device : stage->ownFrame.reserve(frameBytes, "frame");
    made.push_back(std::move(stage));
  }
  for (size_t c = 0; c < made.size(); ++c) m.contexts[c]->imageIn = std::move(made[c]);
}

Staging EngineRuntime::frameStaging(size_t c) const {
  const Impl& m = *impl_;
  if (!m.ready || c >= m.contexts.size()) throw CodedError("ERR_BAD_INPUT", "no execution context " + std::to_string(c));
  if (!m.contexts[c]->imageIn) throw CodedError("ERR_BAD_INPUT", "image in is not enabled on this engine");
  return m.contexts[c]->imageIn->frame;
}

ImageInResult EngineRuntime::detect(size_t c, const ImageInRequest& r) {
  Impl& m = *impl_;
  if (!m.ready || c >= m.contexts.size()) throw CodedError("ERR_BAD_INPUT", "no execution context " + std::to_string(c));
  Context& x = *m.contexts[c];
  if (!x.imageIn) throw CodedError("ERR_BAD_INPUT", "image in is not enabled on this engine");
  ImageInStage& stage = *x.imageIn;
  if (x.busy.exchange(true)) throw CodedError("ERR_NATIVE", "execution context " + std::to_string(c) + " is already running a request");
  struct Idle {
    std::atomic<bool>& busy;
    ~Idle() { busy = false; }
  } idle{x.busy};
  Capture logged;

  // The engine: one image input, float32 or float16, and the detection head the options describe.
  size_t in = 0, inputs = 0;
  for (size_t i = 0; i < desc_.tensors.size(); ++i)
    if (desc_.tensors[i].input) in = i, ++inputs;
  if (inputs != 1) throw CodedError("ERR_BAD_INPUT", "image in needs an engine with one input; this one has " + std::to_string(inputs));
  if (r.output >= desc_.tensors.size() || desc_.tensors[r.output].input) throw CodedError("ERR_BAD_INPUT", "image in: no output " + std::to_string(r.output));
  const TensorDesc& input = desc_.tensors[in];
  const TensorDesc& head = desc_.tensors[r.output];
  if (input.dtype != 0 && input.dtype != 1)
    throw CodedError("ERR_BAD_INPUT", "image in writes float32 or float16 inputs; '" + input.name + "' has another data type");
  if (head.dtype != 0 && head.dtype != 1)
    throw CodedError("ERR_BAD_INPUT", "image in decodes float32 or float16 outputs; '" + head.name + "' has another data type");
  if (input.shape.size() != 4)
    throw CodedError("ERR_SHAPE", "image in needs a [batch, 3, height, width] input; '" + input.name + "' is " + shapeText(input.shape));

  // The frame, as it lies in the staging.
  const int order = static_cast<int>(r.order);
  if (order < 0 || order > 4) throw CodedError("ERR_BAD_INPUT", "pixel order " + std::to_string(order) + " is not one the letterbox kernel takes");
  if (r.width <= 0 || r.height <= 0 || r.channels <= 0 || r.stride < int64_t{r.width} * r.channels)
    throw CodedError("ERR_BAD_INPUT", "bad frame size " + std::to_string(r.width) + "x" + std::to_string(r.height) + "x" + std::to_string(r.channels) +
                                          " with stride " + std::to_string(r.stride));
  const int64_t frameBytes = int64_t{r.height - 1} * r.stride + int64_t{r.width} * r.channels;
  if (frameBytes > static_cast<int64_t>(stage.frame.bytes))
    throw CodedError("ERR_BAD_INPUT", "the frame (" + std::to_string(r.width) + "x" + std::to_string(r.height) + ", " + std::to_string(frameBytes) +
                                          " bytes) is larger than the frame staging (" + std::to_string(stage.frame.bytes) + " bytes)");
  const cpu::Image frame{static_cast<const uint8_t*>(stage.frameOnDevice), r.width, r.height, r.channels, static_cast<size_t>(r.stride), r.order};
  const cpu::LetterboxOutput into{x.bound[in], input.dtype == 1 ? cpu::OutDtype::Float16 : cpu::OutDtype::Float32, cpu::OutLayout::NCHW, r.padValue};
  cuda::LetterboxLaunch letterbox{};
  std::string err = cuda::makeLetterboxLaunch(frame, 1, 0, r.geometry, into, 0, letterbox);
  if (!err.empty()) throw CodedError("ERR_BAD_INPUT", "image in: " + err);

  // The input shape the letterbox writes, and the head's shape it gives.
  const std::vector<int64_t> shape{1, 3, r.geometry.outHeight, r.geometry.outWidth};
  if (bytesOf(shape, static_cast<nvinfer1::DataType>(input.dtype), input.formats.at(static_cast<size_t>(x.profile))) > x.staging[in].bytes ||
      !x.context->setInputShape(input.name.c_str(), toDims(shape)))
    throw CodedError("ERR_SHAPE", "input '" + input.name + "': shape " + shapeText(shape) + " is outside this context's optimization profile");
  if (x.context->inferShapes(0, nullptr) != 0) throw CodedError("ERR_SHAPE", "the input shape gives an invalid output shape: " + logged.lastError());
  const std::vector<int64_t> dims = toVector(x.context->getTensorShape(head.name.c_str()));
  for (size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (t.input) continue;
    const std::vector<int64_t> d = toVector(x.context->getTensorShape(t.name.c_str()));
    if (hasDynamicDim(d) || bytesOf(d, static_cast<nvinfer1::DataType>(t.dtype), t.formats.at(static_cast<size_t>(x.profile))) > x.staging[i].bytes)
      throw CodedError("ERR_SHAPE", "output '" + t.name + "' would have shape " + shapeText(d) + ", larger than at the profile's maximum input shapes");
  }
  if (dims.size() != 3 || dims[0] != 1 || dims[1] != r.decode.rows || dims[2] != r.decode.cols)
    throw CodedError("ERR_SHAPE", "output '" + head.name + "' is " + shapeText(dims) + ", not the [1, " + std::to_string(r.decode.rows) + ", " +
                                      std::to_string(r.decode.cols) + "] the decode options describe");

  checkCuda(cudaSetDevice(m.device), "cudaSetDevice");
  cpu::DecodeOptions options = r.decode;
  options.classes = nullptr;
  options.numClasses = r.classes.size();
  if (r.filterClasses) {
    options.classes = static_cast<const int32_t*>(stage.classes.reserve(4 * (r.classes.size() + 1), "class filter"));
  }
  cuda::DecodeLaunch decode{};
  err = cuda::makeDecodeLaunch(options, x.bound[r.output], head.dtype == 1, 1, decode);
  if (!err.empty()) throw CodedError("ERR_BAD_INPUT", "image in: " + err);
  cuda::bindDecodeWorkspace(decode, stage.workspace.reserve(static_cast<size_t>(cuda::decodeWorkspaceBytes(decode)), "decode workspace"));
  const size_t detectionBytes = static_cast<size_t>(cuda::decodeOutputBytes(decode));
  stage.detections.reserve(detectionBytes, m.mapped, m.device, "the detections");
  decode.out = static_cast<uint8_t*>(m.mapped ? stage.detections.buffer.device : stage.detectionsOnDevice.reserve(detectionBytes, "detections"));

  // However this ends, nothing queued on the stream may still touch the staging once the context is released.
  struct Drain {
    cudaStream_t stream;
    ~Drain() { cudaStreamSynchronize(stream); }
  } drain{x.stream};
  if (r.filterClasses && !r.classes.empty())
    checkCuda(cudaMemcpyAsync(const_cast<int32_t*>(options.classes), r.classes.data(), 4 * r.classes.size(), cudaMemcpyHostToDevice, x.stream),
              "cudaMemcpyAsync (class filter to the device)");
  // The request's work, from the frame in the staging to the detections in theirs: enqueued as it is, or captured.
  auto enqueue = [&] {
    if (!m.mapped)
      checkCuda(cudaMemcpyAsync(stage.frameOnDevice, stage.frame.host, static_cast<size_t>(frameBytes), cudaMemcpyHostToDevice, x.stream),
                "cudaMemcpyAsync (frame to the device)");
    checkCuda(cuda::launchLetterbox(letterbox, x.stream), "letterbox kernel");
    if (!x.context->enqueueV3(x.stream)) throw CodedError("ERR_NATIVE", "enqueueV3 failed: " + logged.lastError());
    checkCuda(cuda::launchDecode(decode, x.stream), "decode kernels");
    if (!m.mapped)
      checkCuda(cudaMemcpyAsync(stage.detections.buffer.host, decode.out, detectionBytes, cudaMemcpyDeviceToHost, x.stream),
                "cudaMemcpyAsync (detections to the host)");
  };
  // A graph replays exactly the launches it captured (kernel parameters, addresses, sizes): it is replayed only for a
  // request whose launches are byte for byte the same, and any other request (another frame size, geometry, options)
  // runs plainly and is captured in its place. Never a replay after a shape change.
  std::vector<uint8_t> key;
  if (r.graph != GraphMode::kOff) {
    const auto add = [&key](const void* p, size_t n) { key.insert(key.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n); };
    add(&letterbox, sizeof letterbox);
    add(&decode, sizeof decode);
    add(&frameBytes, sizeof frameBytes);
    add(r.classes.data(), 4 * r.classes.size());
  }
  ImageInResult result;
  const bool replay = r.graph != GraphMode::kOff && stage.graph && stage.graphKey == key;
  if (replay)
    checkCuda(cudaGraphLaunch(stage.graph, x.stream), "cudaGraphLaunch");
  else
    enqueue();
  checkCuda(cudaStreamSynchronize(x.stream), "cudaStreamSynchronize (image in)");
  result.graph = replay ? GraphResult::kReplayed : GraphResult::kPlain;
  // Captured after a plain run, as trtexec captures after a first inference (TensorRT finishes its own set-up there).
  if (!replay && (r.graph == GraphMode::kRequired || (r.graph == GraphMode::kAuto && !stage.graphRefused))) {
    stage.dropGraph();
    const std::string why = capture(x.stream, enqueue, stage.graph);
    if (why.empty()) {
      stage.graphKey = std::move(key);
      result.graph = GraphResult::kCaptured;
    } else if (r.graph == GraphMode::kRequired) {
      throw CodedError("ERR_ENGINE_INCOMPATIBLE",
                       "this engine's image-in work cannot be captured into a CUDA graph (" + why + "); run it with cudaGraph: false");
    } else {
      stage.graphRefused = true;  // auto: the plain path from now on, without trying again
    }
  }

  const cuda::DetectionsView v = cuda::detectionsOf(static_cast<uint8_t*>(stage.detections.buffer.host), decode.keep);
  if (v.header[3] != 0) throw CodedError("ERR_NATIVE", "the decode kernel broke an invariant (" + std::to_string(v.header[3]) + " faults)");
  const size_t n = static_cast<size_t>(v.header[0]);
  if (n > static_cast<size_t>(decode.keep)) throw CodedError("ERR_NATIVE", "the decode kernel reported more detections than it can hold");
  result.candidates = v.header[1];
  result.detections.boxes.assign(v.boxes, v.boxes + 4 * n);
  result.detections.scores.assign(v.scores, v.scores + n);
  result.detections.classes.assign(v.classes, v.classes + n);
  result.detections.anchors.assign(v.anchors, v.anchors + n);
  return result;
}

}  // namespace trtjs::TRTJS_TRT_NS
