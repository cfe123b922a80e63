// The CUDA pre/post-processing kernels for tests and benches: their host emulation (letterboxEmulated,
// decodeEmulated: the kernels' code run on the CPU, which is how CI tests it) and one-shot device runs
// (letterboxDevice, decodeDevice: copy in, launch, copy out, with timings). Present when the CUDA layer is compiled.
// The engine runtime enqueues the kernels itself (cuda/kernels.h).
#include "napi/register.h"

#ifdef TRTJS_WITH_CUDA
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "cuda/emulate.h"
#include "cuda/kernel_runs.h"
#include "napi/args.h"
#include "napi/async.h"
#include "napi/decode-args.h"
#endif

namespace trtjs::napi {

#ifdef TRTJS_WITH_CUDA
namespace {

struct LetterboxCall {
  cuda::LetterboxLaunch launch{};
  int64_t srcBytes = 0, outBytes = 0;
};

// (src, params, out) as the CPU letterbox takes them, plus params.batch (default 1): `batch` frames of height rows of
// `stride` bytes back to back in src, `batch` tensors back to back in out.
LetterboxCall letterboxArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) throwError(env, "ERR_BAD_INPUT", "letterbox(src, params, out)");
  auto src = typedArg<uint8_t>(info[0], napi_uint8_array, "src");
  Napi::Object p = objectArg(info, 1, "params");
  const int width = intProp(p, "width", 1, 1 << 16), height = intProp(p, "height", 1, 1 << 16);
  const int channels = intProp(p, "channels", 1, 4);
  const int64_t stride = intProp(p, "stride", width * channels, INT32_MAX);
  const int order = intProp(p, "order", 0, 4);
  const int batch = p.Has("batch") ? intProp(p, "batch", 1, 65535) : 1;
  const int64_t frame = int64_t{height} * stride;
  if (static_cast<int64_t>(src.ElementLength()) < (batch - 1) * frame + (height - 1) * stride + int64_t{width} * channels)
    throwError(env, "ERR_BAD_INPUT", "src is shorter than batch frames of height rows of stride bytes");
  const cpu::LetterboxGeometry g{intProp(p, "resizedWidth", 1, 1 << 16), intProp(p, "resizedHeight", 1, 1 << 16), intProp(p, "outWidth", 1, 1 << 16),
                                 intProp(p, "outHeight", 1, 1 << 16),    intProp(p, "padLeft", 0, 1 << 16),       intProp(p, "padTop", 0, 1 << 16)};
  const int dtype = intProp(p, "dtype", 0, 2), layout = intProp(p, "layout", 0, 1);
  static const napi_typedarray_type arrayOf[] = {napi_float32_array, napi_uint16_array, napi_uint8_array};
  static const int bytesOf[] = {4, 2, 1};
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != arrayOf[dtype])
    throwError(env, "ERR_BAD_INPUT", "out has the wrong TypedArray type for dtype");
  Napi::TypedArray out = info[2].As<Napi::TypedArray>();
  const int64_t elems = int64_t{g.outWidth} * g.outHeight * 3;
  if (static_cast<int64_t>(out.ElementLength()) < batch * elems) throwError(env, "ERR_BAD_INPUT", "out is too small for batch outputs");
  auto* outData = static_cast<uint8_t*>(out.ArrayBuffer().Data()) + out.ByteOffset();
  const cpu::Image img{src.Data(), width, height, channels, static_cast<size_t>(stride), static_cast<cpu::PixelOrder>(order)};
  const cpu::LetterboxOutput o{outData, static_cast<cpu::OutDtype>(dtype), static_cast<cpu::OutLayout>(layout),
                               static_cast<uint8_t>(intProp(p, "padValue", 0, 255))};
  LetterboxCall call;
  std::string err = cuda::makeLetterboxLaunch(img, batch, frame, g, o, elems, call.launch);
  if (!err.empty()) throwError(env, "ERR_BAD_INPUT", err);
  call.srcBytes = (batch - 1) * frame + (height - 1) * stride + int64_t{width} * channels;
  call.outBytes = batch * elems * bytesOf[dtype];
  return call;
}

struct DecodeCall {
  cuda::DecodeLaunch launch{};
  int64_t dataBytes = 0;
};

// (data, params) as the CPU decode takes them, plus params.batch (default 1): data holds batch items.
DecodeCall decodeArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray()) throwError(env, "ERR_BAD_INPUT", "decode(data, params)");
  Napi::Object p = objectArg(info, 1, "params");
  cpu::DecodeOptions o = decodeOptionsArg(env, p);
  const int batch = p.Has("batch") ? intProp(p, "batch", 1, 65535) : 1;
  Napi::TypedArray data = info[0].As<Napi::TypedArray>();
  const bool half = data.TypedArrayType() == napi_uint16_array;
  if (!half && data.TypedArrayType() != napi_float32_array) throwError(env, "ERR_BAD_INPUT", "data must be a Float32Array or a Uint16Array of float16 bits");
  if (static_cast<int64_t>(data.ElementLength()) != int64_t{batch} * o.rows * o.cols)
    throwError(env, "ERR_BAD_INPUT", "data length does not match batch x rows x cols");
  DecodeCall call;
  const void* ptr = static_cast<const uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
  std::string err = cuda::makeDecodeLaunch(o, ptr, half, batch, call.launch);
  if (!err.empty()) throwError(env, "ERR_BAD_INPUT", err);
  call.dataBytes = static_cast<int64_t>(data.ByteLength());
  return call;
}

template <typename T>
Napi::TypedArrayOf<T> copyOut(Napi::Env env, const T* v, size_t n) {
  auto arr = Napi::TypedArrayOf<T>::New(env, n);
  if (n) std::memcpy(arr.Data(), v, n * sizeof(T));
  return arr;
}

// One object per batch item: { boxes, scores, classes, anchors, candidates, chunks, faults }.
Napi::Array detectionsToJs(Napi::Env env, const cuda::DecodeLaunch& L, uint8_t* out) {
  Napi::Array items = Napi::Array::New(env, L.batch);
  for (int b = 0; b < L.batch; ++b) {
    const cuda::DetectionsView v = cuda::detectionsOf(out + b * L.outItemBytes, L.keep);
    const size_t n = static_cast<size_t>(v.header[0]);
    Napi::Object item = Napi::Object::New(env);
    item.Set("boxes", copyOut(env, v.boxes, 4 * n));
    item.Set("scores", copyOut(env, v.scores, n));
    item.Set("classes", copyOut(env, v.classes, n));
    item.Set("anchors", copyOut(env, v.anchors, n));
    item.Set("candidates", Napi::Number::New(env, v.header[1]));
    item.Set("chunks", Napi::Number::New(env, v.header[2]));
    item.Set("faults", Napi::Number::New(env, v.header[3]));
    items.Set(b, item);
  }
  return items;
}

struct DeviceOptions {
  int device = 0, iterations = 1;
};

DeviceOptions deviceOptions(const Napi::CallbackInfo& info, size_t i) {
  DeviceOptions d;
  if (info.Length() > i && info[i].IsObject()) {
    Napi::Object o = info[i].As<Napi::Object>();
    if (o.Has("device")) d.device = intProp(o, "device", 0, 1024);
    if (o.Has("iterations")) d.iterations = intProp(o, "iterations", 1, 1 << 20);
  }
  return d;
}

Napi::Object timingsToJs(Napi::Env env, const cuda::KernelTimings& t) {
  Napi::Object o = Napi::Object::New(env);
  auto list = [&](const std::vector<double>& v) {
    Napi::Array a = Napi::Array::New(env, v.size());
    for (size_t i = 0; i < v.size(); ++i) a.Set(i, Napi::Number::New(env, v[i]));
    return a;
  };
  o.Set("kernelMicros", list(t.kernelMicros));
  o.Set("roundTripMicros", list(t.roundTripMicros));
  return o;
}

Napi::Value letterboxEmulated(const Napi::CallbackInfo& info) {
  LetterboxCall call = letterboxArgs(info);
  cuda::emulateLetterbox(call.launch);
  return info.Env().Undefined();
}

Napi::Value decodeEmulated(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DecodeCall call = decodeArgs(info);
  uint32_t seed = 0;
  if (info.Length() > 2 && info[2].IsNumber()) seed = info[2].As<Napi::Number>().Uint32Value();
  std::vector<uint8_t> ws(static_cast<size_t>(cuda::decodeWorkspaceBytes(call.launch)) + 256);
  std::vector<uint8_t> out(static_cast<size_t>(cuda::decodeOutputBytes(call.launch)));
  // The workspace layout assumes 256-byte alignment, as cudaMalloc gives.
  auto base = reinterpret_cast<uintptr_t>(ws.data());
  cuda::bindDecodeWorkspace(call.launch, reinterpret_cast<void*>((base + 255) / 256 * 256));
  call.launch.out = out.data();
  cuda::emulateDecode(call.launch, seed);
  return detectionsToJs(env, call.launch, out.data());
}

// JavaScript can detach an ArrayBuffer (transfer it) and let the new owner free it while the work runs, so the work
// touches only memory it owns, as letterboxAsync (napi/ops.cpp): the inputs are copied before the work is queued, and
// the letterbox writes into a native buffer that is copied into `out` on the JS thread when `out` is still attached.
// (A detached input is refused before that: its length is 0.)
struct LetterboxHeld {
  Napi::ObjectReference out;
  std::vector<uint8_t> source, result;
};

Napi::Value letterboxDevice(const Napi::CallbackInfo& info) {
  LetterboxCall call = letterboxArgs(info);
  const DeviceOptions d = deviceOptions(info, 3);
  auto held = std::make_shared<LetterboxHeld>();
  held->out = Napi::Persistent(info[2].As<Napi::Object>());
  held->source.assign(call.launch.src, call.launch.src + call.srcBytes);
  held->result.resize(static_cast<size_t>(call.outBytes));
  call.launch.src = held->source.data();
  call.launch.out = held->result.data();
  const size_t outBytes = static_cast<size_t>(call.outBytes);
  return queueWork<cuda::KernelTimings>(
      info.Env(), "trtjs.letterboxDevice",
      [call, d, held] {
        cuda::KernelTimings t;
        std::string err = cuda::letterboxOnDevice(d.device, call.launch, call.srcBytes, call.outBytes, d.iterations, &t);
        if (!err.empty()) throw CodedError("ERR_CUDA", err);
        return t;
      },
      [held, outBytes](Napi::Env env, cuda::KernelTimings& t) -> Napi::Value {
        copyIntoIfAttached(env, held->out, held->result.data(), outBytes, "letterboxDevice: out was detached (transferred) before the letterbox finished");
        return timingsToJs(env, t);
      },
      [held] { held->out.Reset(); });
}

struct DecodeResult {
  cuda::KernelTimings timings;
  std::vector<uint8_t> out;
};

// The head output and the class filter, copied before the work is queued (see LetterboxHeld).
struct DecodeHeld {
  std::vector<uint8_t> data;
  std::vector<int32_t> classes;
};

Napi::Value decodeDevice(const Napi::CallbackInfo& info) {
  DecodeCall call = decodeArgs(info);
  const DeviceOptions d = deviceOptions(info, 2);
  auto held = std::make_shared<DecodeHeld>();
  const auto* data = static_cast<const uint8_t*>(call.launch.data);
  held->data.assign(data, data + call.dataBytes);
  call.launch.data = held->data.data();
  if (call.launch.classes != nullptr) {
    held->classes.assign(call.launch.classes, call.launch.classes + call.launch.numClasses);
    held->classes.push_back(0);  // never empty: an empty filter stays a filter (non-null), as the caller's array was
    call.launch.classes = held->classes.data();
  }
  const cuda::DecodeLaunch launch = call.launch;
  return queueWork<DecodeResult>(
      info.Env(), "trtjs.decodeDevice",
      [call, d, held] {
        DecodeResult r;
        std::string err = cuda::decodeOnDevice(d.device, call.launch, call.dataBytes, d.iterations, &r.timings, r.out);
        if (!err.empty()) throw CodedError("ERR_CUDA", err);
        return r;
      },
      [launch](Napi::Env env, DecodeResult& r) -> Napi::Value {
        Napi::Object o = timingsToJs(env, r.timings);
        o.Set("items", detectionsToJs(env, launch, r.out.data()));
        return o;
      });
}

}  // namespace
#endif

void registerCudaOps(Napi::Env env, Napi::Object exports) {
#ifdef TRTJS_WITH_CUDA
  exports.Set("letterboxEmulated", Napi::Function::New(env, letterboxEmulated, "letterboxEmulated"));
  exports.Set("decodeEmulated", Napi::Function::New(env, decodeEmulated, "decodeEmulated"));
  exports.Set("letterboxDevice", Napi::Function::New(env, letterboxDevice, "letterboxDevice"));
  exports.Set("decodeDevice", Napi::Function::New(env, decodeDevice, "decodeDevice"));
#else
  (void)env;
  (void)exports;
#endif
}

}  // namespace trtjs::napi
