// CPU pre/post-processing: letterbox, YOLO decode, NMS. Arguments are copied out of JS values on the JS
// thread; letterboxAsync keeps its arrays referenced until the work settles.
#include <cmath>
#include <memory>
#include <vector>

#include "cpu/decode.h"
#include "cpu/letterbox.h"
#include "cpu/nms.h"
#include "napi/args.h"
#include "napi/async.h"
#include "napi/decode-args.h"
#include "napi/register.h"

namespace trtjs::napi {

namespace {

struct LetterboxCall {
  cpu::Image src{};
  cpu::LetterboxGeometry geometry{};
  cpu::LetterboxOutput out{};
};

LetterboxCall letterboxArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) throwError(env, "ERR_BAD_INPUT", "letterbox(src, params, out)");
  auto src = typedArg<uint8_t>(info[0], napi_uint8_array, "src");
  Napi::Object p = objectArg(info, 1, "params");
  LetterboxCall call;
  int width = intProp(p, "width", 1, 1 << 16), height = intProp(p, "height", 1, 1 << 16);
  int channels = intProp(p, "channels", 1, 4);
  int64_t stride = intProp(p, "stride", width * channels, INT32_MAX);
  int order = intProp(p, "order", 0, 4);
  static const int channelsOf[] = {1, 3, 3, 4, 4};
  if (channelsOf[order] != channels) throwError(env, "ERR_BAD_INPUT", "channels do not match order");
  if (static_cast<int64_t>(src.ElementLength()) < (height - 1) * stride + int64_t(width) * channels)
    throwError(env, "ERR_BAD_INPUT", "src is shorter than height rows of stride bytes");
  call.src = cpu::Image{src.Data(), width, height, channels, static_cast<size_t>(stride), static_cast<cpu::PixelOrder>(order)};
  call.geometry = cpu::LetterboxGeometry{intProp(p, "resizedWidth", 1, 1 << 16), intProp(p, "resizedHeight", 1, 1 << 16), intProp(p, "outWidth", 1, 1 << 16),
                                         intProp(p, "outHeight", 1, 1 << 16),    intProp(p, "padLeft", 0, 1 << 16),       intProp(p, "padTop", 0, 1 << 16)};
  int dtype = intProp(p, "dtype", 0, 2);
  int layout = intProp(p, "layout", 0, 1);
  static const napi_typedarray_type arrayOf[] = {napi_float32_array, napi_uint16_array, napi_uint8_array};
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != arrayOf[dtype])
    throwError(env, "ERR_BAD_INPUT", "out has the wrong TypedArray type for dtype");
  Napi::TypedArray out = info[2].As<Napi::TypedArray>();
  size_t needed = size_t(call.geometry.outWidth) * call.geometry.outHeight * 3;
  if (out.ElementLength() < needed) throwError(env, "ERR_BAD_INPUT", "out is too small for the output size");
  auto* outData = static_cast<uint8_t*>(out.ArrayBuffer().Data()) + out.ByteOffset();
  call.out = cpu::LetterboxOutput{outData, static_cast<cpu::OutDtype>(dtype), static_cast<cpu::OutLayout>(layout),
                                  static_cast<uint8_t>(intProp(p, "padValue", 0, 255))};
  return call;
}

Napi::Value letterbox(const Napi::CallbackInfo& info) {
  LetterboxCall call = letterboxArgs(info);
  std::string err = cpu::letterbox(call.src, call.geometry, call.out);
  if (!err.empty()) throwError(info.Env(), "ERR_BAD_INPUT", err);
  return info.Env().Undefined();
}

// letterboxAsync(src, params, out, copySource, copyOut). JavaScript can detach an ArrayBuffer (transfer it) and
// let the new owner free it while the work runs, so the work only touches memory it owns: with copySource the source
// is copied first, with copyOut the result is written to a native buffer and copied into `out` on the JS thread when
// `out` is still attached. lib/ passes false only for arrays it allocated itself and never exposed before settling;
// those are kept referenced until then.
struct Held {
  Napi::ObjectReference src, out;
  std::vector<uint8_t> source, result;
};

Napi::Value letterboxAsync(const Napi::CallbackInfo& info) {
  LetterboxCall call = letterboxArgs(info);
  if (info.Length() < 5 || !info[3].IsBoolean() || !info[4].IsBoolean())
    throwError(info.Env(), "ERR_BAD_INPUT", "letterboxAsync(src, params, out, copySource, copyOut)");
  auto held = std::make_shared<Held>();
  held->src = Napi::Persistent(info[0].As<Napi::Object>());
  held->out = Napi::Persistent(info[2].As<Napi::Object>());
  if (info[3].As<Napi::Boolean>().Value()) {
    size_t bytes = (call.src.height - 1) * call.src.stride + size_t(call.src.width) * call.src.channels;
    const uint8_t* from = static_cast<const uint8_t*>(call.src.data);
    held->source.assign(from, from + bytes);
    call.src.data = held->source.data();
  }
  static const size_t elementSize[] = {4, 2, 1};  // float32, float16, uint8 (OutDtype order)
  size_t outBytes = size_t(call.geometry.outWidth) * call.geometry.outHeight * 3 * elementSize[static_cast<int>(call.out.dtype)];
  if (info[4].As<Napi::Boolean>().Value()) {
    held->result.resize(outBytes);
    call.out.data = held->result.data();
  }
  return queueWork<std::string>(
      info.Env(), "trtjs.letterbox",
      [call, held] {
        std::string err = cpu::letterbox(call.src, call.geometry, call.out);
        if (!err.empty()) throw CodedError("ERR_BAD_INPUT", err);
        return err;
      },
      [held, outBytes](Napi::Env env, std::string&) -> Napi::Value {
        if (!held->result.empty())
          copyIntoIfAttached(env, held->out, held->result.data(), outBytes,
                             "letterboxAsync: options.out was detached (transferred) before the letterbox finished");
        return env.Undefined();
      },
      [held] {
        held->src.Reset();
        held->out.Reset();
      });
}

Napi::Value decode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DecodeHead h = decodeHeadArgs(info);
  cpu::Detections d;
  if (h.data.TypedArrayType() == napi_float32_array)
    cpu::decode(h.data.As<Napi::Float32Array>().Data(), h.o, d);
  else
    cpu::decode(h.data.As<Napi::Uint16Array>().Data(), h.o, d);
  return detectionsOut(env, d);
}

Napi::Value nms(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6) throwError(env, "ERR_BAD_INPUT", "nms(boxes, scores, classes, iou, scoreThreshold, maxDet)");
  auto scores = typedArg<float>(info[1], napi_float32_array, "scores");
  auto boxes = typedArg<float>(info[0], napi_float32_array, "boxes");
  size_t n = scores.ElementLength();
  if (boxes.ElementLength() != n * 4) throwError(env, "ERR_BAD_INPUT", "boxes must hold 4 values per score");
  const int32_t* classes = nullptr;
  if (!info[2].IsNull() && !info[2].IsUndefined()) {
    auto c = typedArg<int32_t>(info[2], napi_int32_array, "classes");
    if (c.ElementLength() != n) throwError(env, "ERR_BAD_INPUT", "classes must hold one id per score");
    classes = c.Data();
  }
  if (!info[3].IsNumber() || !info[4].IsNumber() || !info[5].IsNumber()) throwError(env, "ERR_BAD_INPUT", "iou, scoreThreshold and maxDet must be numbers");
  float iou = info[3].As<Napi::Number>().FloatValue();
  float threshold = info[4].As<Napi::Number>().FloatValue();
  double maxDetValue = info[5].As<Napi::Number>().DoubleValue();
  if (!(maxDetValue >= 0 && maxDetValue <= INT32_MAX) || std::floor(maxDetValue) != maxDetValue)
    throwError(env, "ERR_BAD_INPUT", "maxDet must be an integer in [0, 2147483647]");
  int maxDet = static_cast<int>(maxDetValue);
  std::vector<int32_t> keep = cpu::nms(boxes.Data(), scores.Data(), classes, n, iou, threshold, maxDet);
  return copyOut(env, keep);
}

}  // namespace

void registerOps(Napi::Env env, Napi::Object exports) {
  exports.Set("letterbox", Napi::Function::New(env, letterbox, "letterbox"));
  exports.Set("letterboxAsync", Napi::Function::New(env, letterboxAsync, "letterboxAsync"));
  exports.Set("decode", Napi::Function::New(env, decode, "decode"));
  exports.Set("nms", Napi::Function::New(env, nms, "nms"));
}

}  // namespace trtjs::napi
