#include "trt/runtime.h"

#include <NvInferRuntime.h>
#include <cuda_runtime_api.h>

#include <cstring>

#include "common/coded_error.h"
#include "trt/loader.h"
#include "trt/logger.h"

namespace trtjs::trt {

namespace {

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

size_t volume(const nvinfer1::Dims& d) {
  size_t v = 1;
  for (int32_t i = 0; i < d.nbDims; ++i) v *= d.d[i] < 0 ? 0 : static_cast<size_t>(d.d[i]);
  return v;
}

void checkCuda(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw CodedError("ERR_CUDA", std::string(what) + ": " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
}

nvinfer1::Dims toDims(const std::vector<int64_t>& v) {
  nvinfer1::Dims d{};
  d.nbDims = static_cast<int32_t>(v.size());
  for (size_t i = 0; i < v.size() && i < static_cast<size_t>(nvinfer1::Dims::MAX_DIMS); ++i) d.d[i] = static_cast<decltype(d.d[0] + 0)>(v[i]);
  return d;
}

std::vector<int64_t> toVector(const nvinfer1::Dims& d) {
  std::vector<int64_t> out;
  for (int32_t i = 0; i < d.nbDims; ++i) out.push_back(static_cast<int64_t>(d.d[i]));
  return out;
}

}  // namespace

struct EngineRuntime::Context {
  std::unique_ptr<nvinfer1::IExecutionContext> context;
  cudaStream_t stream = nullptr;
  std::vector<void*> device;  // per IO tensor, in desc_.tensors order
  std::vector<size_t> capacity;
};

struct EngineRuntime::Impl {
  CollectingLogger logger;
  std::unique_ptr<nvinfer1::IRuntime> runtime;
  std::unique_ptr<nvinfer1::ICudaEngine> engine;
  std::vector<std::unique_ptr<Context>> contexts;
  std::vector<Context*> idle;
  std::mutex mutex;
  std::condition_variable available;
  int device = 0;
};

EngineRuntime::EngineRuntime(const uint8_t* plan, size_t size, int device, int contexts) : impl_(new Impl) {
  desc_ = inspectEngine(plan, size, device);  // validates compatibility with a clear error first
  Impl& m = *impl_;
  m.device = device;
  checkCuda(cudaSetDevice(device), "cudaSetDevice");
  m.runtime.reset(createRuntime(m.logger));
  if (!m.runtime) throw CodedError("ERR_TRT_UNAVAILABLE", "createInferRuntime failed");
  m.engine.reset(m.runtime->deserializeCudaEngine(plan, size));
  if (!m.engine) throw CodedError("ERR_ENGINE_INCOMPATIBLE", "deserializeCudaEngine failed");
  const int profiles = m.engine->getNbOptimizationProfiles();
  for (int c = 0; c < contexts; ++c) {
    auto ctx = std::make_unique<Context>();
    ctx->context.reset(m.engine->createExecutionContext());
    if (!ctx->context) throw CodedError("ERR_CUDA", "createExecutionContext failed (out of device memory?)");
    checkCuda(cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking), "cudaStreamCreate");
    // Context c uses profile c (as trtexec's --streams); with fewer profiles they share profile 0.
    const int profile = c < profiles ? c : 0;
    if (profile > 0 && !ctx->context->setOptimizationProfileAsync(profile, ctx->stream)) throw CodedError("ERR_SHAPE", "cannot select optimization profile");
    // Size every buffer for the profile's maximum input shapes: outputs then take their largest shapes too.
    for (const ProfileInput& p : desc_.profiles.empty() ? std::vector<ProfileInput>{} : desc_.profiles[static_cast<size_t>(profile)]) {
      if (!ctx->context->setInputShape(p.name.c_str(), toDims(p.max))) throw CodedError("ERR_SHAPE", "cannot set the maximum shape of '" + p.name + "'");
    }
    for (const TensorDesc& t : desc_.tensors) {
      nvinfer1::Dims dims = ctx->context->getTensorShape(t.name.c_str());
      size_t bytes = volume(dims) * elementSize(m.engine->getTensorDataType(t.name.c_str()));
      if (bytes == 0 && !t.input) throw CodedError("ERR_SHAPE", "output '" + t.name + "' has a data-dependent shape, which trtjs does not support");
      void* ptr = nullptr;
      checkCuda(cudaMalloc(&ptr, bytes > 0 ? bytes : 1), "cudaMalloc");
      ctx->device.push_back(ptr);
      ctx->capacity.push_back(bytes);
      if (!ctx->context->setTensorAddress(t.name.c_str(), ptr)) throw CodedError("ERR_CUDA", "setTensorAddress failed for '" + t.name + "'");
    }
    m.idle.push_back(ctx.get());
    m.contexts.push_back(std::move(ctx));
  }
}

EngineRuntime::~EngineRuntime() {
  if (!impl_) return;
  cudaSetDevice(impl_->device);
  for (auto& ctx : impl_->contexts) {
    if (ctx->stream) cudaStreamSynchronize(ctx->stream);
    for (void* p : ctx->device) cudaFree(p);
    if (ctx->stream) cudaStreamDestroy(ctx->stream);
    ctx->context.reset();
  }
  impl_->contexts.clear();
  impl_->engine.reset();
  impl_->runtime.reset();
}

std::vector<HostTensor> EngineRuntime::run(const std::vector<HostTensor>& inputs) {
  Impl& m = *impl_;
  Context* ctx;
  {
    std::unique_lock<std::mutex> lock(m.mutex);
    m.available.wait(lock, [&] { return !m.idle.empty(); });
    ctx = m.idle.back();
    m.idle.pop_back();
  }
  struct Release {
    Impl& m;
    Context* ctx;
    ~Release() {
      {
        std::lock_guard<std::mutex> lock(m.mutex);
        m.idle.push_back(ctx);
      }
      m.available.notify_one();
    }
  } release{m, ctx};

  checkCuda(cudaSetDevice(m.device), "cudaSetDevice");
  std::vector<HostTensor> outputs;
  for (size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (!t.input) continue;
    const HostTensor* in = nullptr;
    for (const HostTensor& h : inputs)
      if (h.name == t.name) in = &h;
    if (!in) throw CodedError("ERR_BAD_INPUT", "missing input '" + t.name + "'");
    if (in->data.size() > ctx->capacity[i]) throw CodedError("ERR_SHAPE", "input '" + t.name + "' is larger than the profile's maximum shape");
    if (!ctx->context->setInputShape(t.name.c_str(), toDims(in->shape))) throw CodedError("ERR_SHAPE", "input '" + t.name + "': shape outside the engine's profile");
    checkCuda(cudaMemcpyAsync(ctx->device[i], in->data.data(), in->data.size(), cudaMemcpyHostToDevice, ctx->stream), "cudaMemcpyAsync H2D");
  }
  if (!ctx->context->allInputDimensionsSpecified()) throw CodedError("ERR_SHAPE", "not every input shape is specified");
  if (!ctx->context->enqueueV3(ctx->stream)) {
    std::string why;
    for (const std::string& e : m.logger.errors()) why = e;
    throw CodedError("ERR_NATIVE", "enqueueV3 failed" + (why.empty() ? std::string() : ": " + why));
  }
  for (size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (t.input) continue;
    nvinfer1::Dims dims = ctx->context->getTensorShape(t.name.c_str());
    HostTensor out;
    out.name = t.name;
    out.dtype = t.dtype;
    out.shape = toVector(dims);
    out.data.resize(volume(dims) * elementSize(m.engine->getTensorDataType(t.name.c_str())));
    if (out.data.size() > ctx->capacity[i]) throw CodedError("ERR_SHAPE", "output '" + t.name + "' exceeds its buffer");
    checkCuda(cudaMemcpyAsync(out.data.data(), ctx->device[i], out.data.size(), cudaMemcpyDeviceToHost, ctx->stream), "cudaMemcpyAsync D2H");
    outputs.push_back(std::move(out));
  }
  checkCuda(cudaStreamSynchronize(ctx->stream), "cudaStreamSynchronize");
  return outputs;
}

}  // namespace trtjs::trt
