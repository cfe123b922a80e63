#include "trt/runtime.h"

#include <NvInferRuntime.h>
#include <cuda_runtime_api.h>

#include <atomic>
#include <string>

#include "common/coded_error.h"
#include "cuda/pinned.h"
#include "trt/dims.h"
#include "trt/loader.h"
#include "trt/logger.h"

namespace trtjs::trt {

namespace {

// Bytes per element of nvinfer1::DataType; 0 for the sub-byte types, which trtjs does not exchange.
size_t elementSize(nvinfer1::DataType t) {
  switch (static_cast<int>(t)) {
    case 0: return 4;  // kFLOAT
    case 1: return 2;  // kHALF
    case 2: return 1;  // kINT8
    case 3: return 4;  // kINT32
    case 4: return 1;  // kBOOL
    case 5: return 1;  // kUINT8
    case 6: return 1;  // kFP8
    case 7: return 2;  // kBF16
    case 8: return 8;  // kINT64
    default: return 0;
  }
}

bool hasDynamicDim(const std::vector<int64_t>& dims) {
  for (int64_t d : dims)
    if (d < 0) return true;
  return false;
}

size_t volume(const std::vector<int64_t>& dims) {
  size_t v = 1;
  for (int64_t d : dims) v *= d < 0 ? 0 : static_cast<size_t>(d);
  return v;
}



void checkCuda(cudaError_t err, const std::string& what) {
  if (err != cudaSuccess) throw CodedError("ERR_CUDA", what + ": " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
}

std::string shapeText(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

}  // namespace

// One lane. Owns everything it allocates, so a constructor that throws halfway leaks nothing.
struct EngineRuntime::Context {
  int device = 0;
  std::unique_ptr<nvinfer1::IExecutionContext> context;
  cudaStream_t stream = nullptr;
  std::vector<cuda::PinnedBuffer> staging;  // per IO tensor, desc_.tensors order
  std::vector<void*> deviceBuffers;         // per IO tensor; nullptr when the staging is mapped
  std::atomic<bool> busy{false};

  ~Context() {
    cudaSetDevice(device);
    if (stream) cudaStreamSynchronize(stream);
    context.reset();
    for (void* p : deviceBuffers)
      if (p) cudaFree(p);
    for (const cuda::PinnedBuffer& b : staging) cuda::freePinned(b.host);
    if (stream) cudaStreamDestroy(stream);
  }
};

// Members are destroyed in reverse order: contexts before the engines they came from, engines before the runtime,
// the logger last.
struct EngineRuntime::Impl {
  CollectingLogger logger;
  std::unique_ptr<nvinfer1::IRuntime> runtime;
  std::vector<std::unique_ptr<nvinfer1::ICudaEngine>> engines;
  std::vector<std::vector<bool>> profileTaken;  // per engine copy, per profile
  std::vector<std::unique_ptr<Context>> contexts;
  int device = 0;
  bool mapped = false;
};

EngineRuntime::EngineRuntime(const uint8_t* plan, size_t size, int device, const std::vector<int>& contextProfiles, bool mapped)
    : impl_(new Impl) {
  Impl& m = *impl_;
  m.device = device;
  m.mapped = mapped;
  const LibraryStatus& lib = status();
  if (!lib.loaded) throw CodedError("ERR_TRT_UNAVAILABLE", lib.error);
  if (contextProfiles.empty()) throw CodedError("ERR_BAD_INPUT", "at least one execution context is needed");
  checkCuda(cudaSetDevice(device), "cudaSetDevice(" + std::to_string(device) + ")");
  m.runtime.reset(createRuntime(m.logger));
  if (!m.runtime) throw CodedError("ERR_TRT_UNAVAILABLE", "createInferRuntime failed: " + m.logger.lastError());
  m.engines.emplace_back(deserialize(*m.runtime, m.logger, plan, size));
  desc_ = describeEngine(*m.engines[0]);

  bool dynamic = false;
  for (const TensorDesc& t : desc_.tensors) {
    if (t.input && m.engines[0]->isShapeInferenceIO(t.name.c_str()))
      throw CodedError("ERR_ENGINE_INCOMPATIBLE", "input '" + t.name + "' is a shape tensor, which trtjs does not support");
    if (elementSize(m.engines[0]->getTensorDataType(t.name.c_str())) == 0)
      throw CodedError("ERR_ENGINE_INCOMPATIBLE", "tensor '" + t.name + "' has a sub-byte data type, which trtjs does not support");
    dynamic = dynamic || (t.input && hasDynamicDim(t.shape));
  }
  const int profiles = static_cast<int>(desc_.profiles.size());
  m.profileTaken.emplace_back(static_cast<size_t>(profiles > 0 ? profiles : 1), false);

  for (size_t c = 0; c < contextProfiles.size(); ++c) {
    const int profile = contextProfiles[c];
    if (profile < 0 || profile >= (profiles > 0 ? profiles : 1))
      throw CodedError("ERR_BAD_INPUT", "context " + std::to_string(c) + ": the engine has no optimization profile " + std::to_string(profile));
    // "If the engine supports dynamic shapes, each execution context in concurrent use must use a separate
    // optimization profile" (IExecutionContext's documentation): a second context on a profile gets its own
    // engine copy, as Triton gives each model instance its own engine. Static engines share one.
    size_t e = 0;
    if (dynamic) {
      while (e < m.engines.size() && m.profileTaken[e][static_cast<size_t>(profile)]) ++e;
      if (e == m.engines.size()) {
        m.engines.emplace_back(deserialize(*m.runtime, m.logger, plan, size));
        m.profileTaken.emplace_back(m.profileTaken[0].size(), false);
      }
      m.profileTaken[e][static_cast<size_t>(profile)] = true;
    }
    nvinfer1::ICudaEngine& engine = *m.engines[e];

    auto ctx = std::make_unique<Context>();
    ctx->device = device;
    ctx->context.reset(engine.createExecutionContext());
    if (!ctx->context) throw CodedError("ERR_CUDA", "createExecutionContext failed (out of device memory?): " + m.logger.lastError());
    checkCuda(cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking), "cudaStreamCreate");
    // Set explicitly for every context, profile 0 included, as trtexec does: TensorRT 8.6 assigns profile 0
    // implicitly only to the first context of an engine.
    if (!ctx->context->setOptimizationProfileAsync(profile, ctx->stream))
      throw CodedError("ERR_SHAPE", "cannot select optimization profile " + std::to_string(profile) + ": " + m.logger.lastError());
    checkCuda(cudaStreamSynchronize(ctx->stream), "cudaStreamSynchronize");
    // With every input at the profile's maximum, each output takes its largest shape: buffers sized once.
    if (profiles > 0) {
      for (const ProfileInput& p : desc_.profiles[static_cast<size_t>(profile)]) {
        if (!ctx->context->setInputShape(p.name.c_str(), toDims(p.max)))
          throw CodedError("ERR_SHAPE", "cannot set the maximum shape " + shapeText(p.max) + " of '" + p.name + "': " + m.logger.lastError());
      }
    }
    for (const TensorDesc& t : desc_.tensors) {
      const std::vector<int64_t> dims = toVector(ctx->context->getTensorShape(t.name.c_str()));
      if (hasDynamicDim(dims))
        throw CodedError("ERR_ENGINE_INCOMPATIBLE", "output '" + t.name + "' has a data-dependent shape, which trtjs does not support");
      const size_t bytes = volume(dims) * elementSize(engine.getTensorDataType(t.name.c_str()));
      cuda::PinnedBuffer host;
      const std::string err = cuda::allocPinned(bytes > 0 ? bytes : 1, mapped, host);
      if (!err.empty()) throw CodedError("ERR_CUDA", "pinned staging for '" + t.name + "': " + err);
      host.bytes = bytes;
      ctx->staging.push_back(host);
      void* address = host.device;
      if (!mapped) {
        checkCuda(cudaMalloc(&address, bytes > 0 ? bytes : 1), "cudaMalloc for '" + t.name + "'");
      }
      ctx->deviceBuffers.push_back(mapped ? nullptr : address);
      if (!ctx->context->setTensorAddress(t.name.c_str(), address))
        throw CodedError("ERR_CUDA", "setTensorAddress failed for '" + t.name + "': " + m.logger.lastError());
    }
    m.contexts.push_back(std::move(ctx));
  }
}

EngineRuntime::~EngineRuntime() = default;

size_t EngineRuntime::contextCount() const { return impl_->contexts.size(); }

Staging EngineRuntime::staging(size_t c, size_t t) const {
  const cuda::PinnedBuffer& b = impl_->contexts.at(c)->staging.at(t);
  return {b.host, b.bytes};
}

std::vector<std::vector<int64_t>> EngineRuntime::run(size_t c, const std::vector<std::vector<int64_t>>& inputShapes) {
  Impl& m = *impl_;
  if (c >= m.contexts.size()) throw CodedError("ERR_BAD_INPUT", "no execution context " + std::to_string(c));
  Context& x = *m.contexts[c];
  if (x.busy.exchange(true)) throw CodedError("ERR_NATIVE", "execution context " + std::to_string(c) + " is already running a request");
  struct Idle {
    std::atomic<bool>& busy;
    ~Idle() { busy = false; }
  } idle{x.busy};

  checkCuda(cudaSetDevice(m.device), "cudaSetDevice");
  // However this ends, nothing queued on the stream may still touch the staging once the context is released.
  struct Drain {
    cudaStream_t stream;
    ~Drain() { cudaStreamSynchronize(stream); }
  } drain{x.stream};
  size_t k = 0;
  for (size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (!t.input) continue;
    if (k >= inputShapes.size()) throw CodedError("ERR_BAD_INPUT", "no shape for input '" + t.name + "'");
    const std::vector<int64_t>& shape = inputShapes[k++];
    const size_t bytes = volume(shape) * elementSize(static_cast<nvinfer1::DataType>(t.dtype));
    if (bytes > x.staging[i].bytes || hasDynamicDim(shape))
      throw CodedError("ERR_SHAPE", "input '" + t.name + "': shape " + shapeText(shape) + " is outside this context's optimization profile");
    if (!x.context->setInputShape(t.name.c_str(), toDims(shape)))
      throw CodedError("ERR_SHAPE", "input '" + t.name + "': TensorRT refused shape " + shapeText(shape) + ": " + m.logger.lastError());
    if (!m.mapped) checkCuda(cudaMemcpyAsync(x.deviceBuffers[i], x.staging[i].host, bytes, cudaMemcpyHostToDevice, x.stream), "cudaMemcpyAsync to the device");
  }
  if (k != inputShapes.size()) throw CodedError("ERR_BAD_INPUT", "more shapes than the engine has inputs");
  if (!x.context->allInputDimensionsSpecified()) throw CodedError("ERR_SHAPE", "not every input shape is specified");
  if (!x.context->enqueueV3(x.stream)) throw CodedError("ERR_NATIVE", "enqueueV3 failed: " + m.logger.lastError());
  std::vector<std::vector<int64_t>> shapes;
  for (size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (t.input) continue;
    std::vector<int64_t> dims = toVector(x.context->getTensorShape(t.name.c_str()));
    const size_t bytes = volume(dims) * elementSize(static_cast<nvinfer1::DataType>(t.dtype));
    if (hasDynamicDim(dims) || bytes > x.staging[i].bytes)
      throw CodedError("ERR_SHAPE", "output '" + t.name + "' has shape " + shapeText(dims) + ", beyond its buffer");
    if (!m.mapped) checkCuda(cudaMemcpyAsync(x.staging[i].host, x.deviceBuffers[i], bytes, cudaMemcpyDeviceToHost, x.stream), "cudaMemcpyAsync to the host");
    shapes.push_back(std::move(dims));
  }
  checkCuda(cudaStreamSynchronize(x.stream), "cudaStreamSynchronize (inference)");
  return shapes;
}

}  // namespace trtjs::trt
