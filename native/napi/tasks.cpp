// Per-task CPU post-processing (segment, pose, obb, classify) and the validation helpers they need. Arguments are
// checked only so that a caller bypassing lib/ gets an exception instead of an out-of-bounds access; lib/tasks
// validates with precise messages first.
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>

#include "cpu/classify_transform.h"
#include "cpu/contours.h"
#include "cpu/decode.h"
#include "cpu/extras.h"
#include "cpu/obb.h"
#include "cpu/polygon_mask.h"
#include "cpu/segment.h"
#include "napi/args.h"
#include "napi/async.h"
#include "napi/decode-args.h"
#include "napi/register.h"

namespace trtjs::napi {

namespace {

// Runs CPU work on the JS thread with its C++ failures turned into coded JS errors: node-addon-api converts only
// Napi::Error, and anything else escaping a callback would terminate the process.
template <typename F>
auto contained(Napi::Env env, F&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throwError(env, "ERR_OUT_OF_MEMORY", "out of host memory");
  } catch (const std::exception& e) {
    throwError(env, "ERR_NATIVE", e.what());
  }
}

// decodeExtras(data, params, first, count): decode plus channels [first, first + count) of each kept row.
Napi::Value decodeExtras(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[2].IsNumber() || !info[3].IsNumber()) throwError(env, "ERR_BAD_INPUT", "decodeExtras(data, params, first, count)");
  const int first = info[2].As<Napi::Number>().Int32Value(), count = info[3].As<Napi::Number>().Int32Value();
  DecodeHead h = decodeHeadArgs(info, 0);
  const int64_t channels = h.o.format == cpu::HeadFormat::AnchorFree && h.o.channelsFirst ? h.o.rows : h.o.cols;
  if (first < 0 || count < 0 || int64_t(first) + count > channels) throwError(env, "ERR_BAD_INPUT", "extra channels outside the head");
  cpu::Detections d;
  std::vector<float> extras;
  contained(env, [&] {
    if (h.data.TypedArrayType() == napi_float32_array) {
      const float* data = h.data.As<Napi::Float32Array>().Data();
      cpu::decode(data, h.o, d);
      cpu::gatherExtras(data, h.o, d, first, count, extras);
    } else {
      const uint16_t* data = h.data.As<Napi::Uint16Array>().Data();
      cpu::decode(data, h.o, d);
      cpu::gatherExtras(data, h.o, d, first, count, extras);
    }
  });
  Napi::Object out = detectionsOut(env, d);
  out.Set("extras", copyOut(env, extras));
  return out;
}

Napi::Value decodeObb(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DecodeHead h = decodeHeadArgs(info, 1);
  cpu::RotatedDetections d;
  contained(env, [&] {
    if (h.data.TypedArrayType() == napi_float32_array)
      cpu::decodeObb(h.data.As<Napi::Float32Array>().Data(), h.o, d);
    else
      cpu::decodeObb(h.data.As<Napi::Uint16Array>().Data(), h.o, d);
  });
  return detectionsOut(env, d);
}

Napi::Value nmsRotated(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[2].IsNumber()) throwError(env, "ERR_BAD_INPUT", "nmsRotated(boxes, scores, iou)");
  auto boxes = typedArg<float>(info[0], napi_float32_array, "boxes");
  auto scores = typedArg<float>(info[1], napi_float32_array, "scores");
  if (boxes.ElementLength() != scores.ElementLength() * 5) throwError(env, "ERR_BAD_INPUT", "boxes must hold 5 values per score");
  const float iou = info[2].As<Napi::Number>().FloatValue();
  return copyOut(env, contained(env, [&] { return cpu::fastNmsRotated(boxes.Data(), scores.Data(), scores.ElementLength(), iou); }));
}

Napi::Value probiou(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2) throwError(env, "ERR_BAD_INPUT", "probiou(a, b)");
  auto a = typedArg<float>(info[0], napi_float32_array, "a");
  auto b = typedArg<float>(info[1], napi_float32_array, "b");
  if (a.ElementLength() % 5 || b.ElementLength() % 5) throwError(env, "ERR_BAD_INPUT", "boxes must hold 5 values each");
  const size_t n1 = a.ElementLength() / 5, n2 = b.ElementLength() / 5;
  auto out = Napi::Float32Array::New(env, n1 * n2);
  contained(env, [&] { cpu::batchProbiou(a.Data(), n1, b.Data(), n2, out.Data()); });
  return out;
}

// Compact masks from JS: windows Int32Array (4 per mask, non-negative) and data Uint8Array holding their bytes.
cpu::CompactMasks masksArg(Napi::Env env, Napi::Value windows, Napi::Value data, int width, int height) {
  auto w = typedArg<int32_t>(windows, napi_int32_array, "windows");
  auto d = typedArg<uint8_t>(data, napi_uint8_array, "data");
  if (w.ElementLength() % 4) throwError(env, "ERR_BAD_INPUT", "windows must hold 4 values per mask");
  cpu::CompactMasks m;
  m.frameW = width;
  m.frameH = height;
  m.windows.assign(w.Data(), w.Data() + w.ElementLength());
  size_t bytes = 0;
  for (size_t i = 0; i < m.windows.size(); i += 4) {
    const int32_t x = m.windows[i], y = m.windows[i + 1], ww = m.windows[i + 2], wh = m.windows[i + 3];
    if (x < 0 || y < 0 || ww < 0 || wh < 0 || int64_t(x) + ww > width || int64_t(y) + wh > height)
      throwError(env, "ERR_BAD_INPUT", "a mask window lies outside its frame");
    bytes += size_t(ww) * size_t(wh);
  }
  if (bytes != d.ElementLength()) throwError(env, "ERR_BAD_INPUT", "data length does not match the windows");
  m.bits.assign(d.Data(), d.Data() + d.ElementLength());
  return m;
}

Napi::Object masksOut(Napi::Env env, const cpu::CompactMasks& m) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("windows", copyOut(env, m.windows));
  out.Set("data", copyOut(env, m.bits));
  out.Set("width", Napi::Number::New(env, m.frameW));
  out.Set("height", Napi::Number::New(env, m.frameH));
  return out;
}

// processMasks(protos, coeffs, boxes, params{nm, mh, mw, outWidth, outHeight, mode, roundCrop})
Napi::Value processMasks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) throwError(env, "ERR_BAD_INPUT", "processMasks(protos, coeffs, boxes, params)");
  auto protos = typedArg<float>(info[0], napi_float32_array, "protos");
  auto coeffs = typedArg<float>(info[1], napi_float32_array, "coeffs");
  auto boxes = typedArg<float>(info[2], napi_float32_array, "boxes");
  Napi::Object p = objectArg(info, 3, "params");
  cpu::MaskRequest r;
  r.nm = intProp(p, "nm", 1, 1 << 16);
  r.mh = intProp(p, "mh", 1, 1 << 16);
  r.mw = intProp(p, "mw", 1, 1 << 16);
  r.outW = intProp(p, "outWidth", 1, 1 << 16);
  r.outH = intProp(p, "outHeight", 1, 1 << 16);
  r.mode = static_cast<cpu::MaskMode>(intProp(p, "mode", 0, static_cast<int>(cpu::MaskMode::Proto)));  // constants.maskMode
  r.roundCrop = boolProp(p, "roundCrop");
  if (protos.ElementLength() != size_t(r.nm) * r.mh * r.mw) throwError(env, "ERR_BAD_INPUT", "protos must hold nm x mh x mw values");
  r.n = boxes.ElementLength() / 4;
  if (boxes.ElementLength() % 4 || coeffs.ElementLength() != r.n * size_t(r.nm))
    throwError(env, "ERR_BAD_INPUT", "boxes and coeffs must describe the same masks");
  r.protos = protos.Data();
  r.coeffs = coeffs.Data();
  r.boxes = boxes.Data();
  cpu::CompactMasks m;
  contained(env, [&] { cpu::processMasks(r, m); });
  return masksOut(env, m);
}

// scaleMasks(windows, data, params{width, height, sourceWidth, sourceHeight})
Napi::Value scaleMasks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) throwError(env, "ERR_BAD_INPUT", "scaleMasks(windows, data, params)");
  Napi::Object p = objectArg(info, 2, "params");
  const int w = intProp(p, "width", 1, 1 << 16), h = intProp(p, "height", 1, 1 << 16);
  const int sw = intProp(p, "sourceWidth", 1, 1 << 16), sh = intProp(p, "sourceHeight", 1, 1 << 16);
  cpu::CompactMasks in = masksArg(env, info[0], info[1], w, h), out;
  contained(env, [&] { cpu::scaleMasksToSource(in, sw, sh, out); });
  return masksOut(env, out);
}

// maskContours(windows, data): per mask, its outer contours in frame coordinates.
Napi::Value maskContours(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2) throwError(env, "ERR_BAD_INPUT", "maskContours(windows, data)");
  cpu::CompactMasks m = masksArg(env, info[0], info[1], INT32_MAX, INT32_MAX);
  std::vector<int32_t> points, sizes, perMask;
  cpu::Contours c;
  size_t offset = 0;
  for (size_t i = 0; i < m.windows.size(); i += 4) {
    const int32_t ww = m.windows[i + 2], wh = m.windows[i + 3];
    contained(env, [&] { cpu::findExternalContours(m.bits.data() + offset, ww, wh, size_t(ww), m.windows[i], m.windows[i + 1], c); });
    offset += size_t(ww) * size_t(wh);
    points.insert(points.end(), c.points.begin(), c.points.end());
    sizes.insert(sizes.end(), c.sizes.begin(), c.sizes.end());
    perMask.push_back(static_cast<int32_t>(c.sizes.size()));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("points", copyOut(env, points));
  out.Set("sizes", copyOut(env, sizes));
  out.Set("counts", copyOut(env, perMask));
  return out;
}

// polygonMasks(coords, sizes, params{width, height, downsample, overlap})
Napi::Value polygonMasks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) throwError(env, "ERR_BAD_INPUT", "polygonMasks(coords, sizes, params)");
  auto coords = typedArg<float>(info[0], napi_float32_array, "coords");
  auto sizesArr = typedArg<int32_t>(info[1], napi_int32_array, "sizes");
  Napi::Object p = objectArg(info, 2, "params");
  const int w = intProp(p, "width", 1, 8192), h = intProp(p, "height", 1, 8192);
  const int ds = intProp(p, "downsample", 1, 64);
  const bool overlap = boolProp(p, "overlap");
  if (w / ds < 1 || h / ds < 1) throwError(env, "ERR_BAD_INPUT", "the downsampled frame is empty");
  std::vector<int32_t> sizes(sizesArr.Data(), sizesArr.Data() + sizesArr.ElementLength());
  size_t total = 0;
  for (int32_t s : sizes) {
    if (s < 0) throwError(env, "ERR_BAD_INPUT", "sizes must be non-negative");
    total += size_t(s) * 2;
  }
  if (total != coords.ElementLength()) throwError(env, "ERR_BAD_INPUT", "coords must hold 2 values per polygon point");
  for (size_t k = 0; k < total; ++k) {
    const float v = coords.Data()[k];
    if (!(v > -1e6f && v < 1e6f)) throwError(env, "ERR_BAD_INPUT", "polygon coordinates must be finite and within 1e6 pixels");
  }
  cpu::CompactMasks m;
  std::vector<int32_t> order;
  contained(env, [&] { cpu::polygonMasks(coords.Data(), sizes, w, h, ds, overlap, m, order); });
  Napi::Object out = masksOut(env, m);
  out.Set("order", copyOut(env, order));
  return out;
}

// maskIou(aWindows, aData, bWindows, bData, width, height)
Napi::Value maskIou(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[4].IsNumber() || !info[5].IsNumber())
    throwError(env, "ERR_BAD_INPUT", "maskIou(aWindows, aData, bWindows, bData, width, height)");
  const int w = info[4].As<Napi::Number>().Int32Value(), h = info[5].As<Napi::Number>().Int32Value();
  cpu::CompactMasks a = masksArg(env, info[0], info[1], w, h), b = masksArg(env, info[2], info[3], w, h);
  auto out = Napi::Float32Array::New(env, (a.windows.size() / 4) * (b.windows.size() / 4));
  contained(env, [&] { cpu::maskIou(a, b, out.Data()); });
  return out;
}

struct ClassifyCall {
  cpu::Image src{};
  cpu::ClassifyGeometry geometry{};
  cpu::ClassifyOutput out{};
};

ClassifyCall classifyArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) throwError(env, "ERR_BAD_INPUT", "classifyTransform(src, params, out)");
  auto src = typedArg<uint8_t>(info[0], napi_uint8_array, "src");
  Napi::Object p = objectArg(info, 1, "params");
  ClassifyCall call;
  const int width = intProp(p, "width", 1, 1 << 16), height = intProp(p, "height", 1, 1 << 16);
  const int channels = intProp(p, "channels", 1, 4);
  const int64_t stride = intProp(p, "stride", width * channels, INT32_MAX);
  const int order = intProp(p, "order", 0, 4);
  static const int channelsOf[] = {1, 3, 3, 4, 4};
  if (channelsOf[order] != channels) throwError(env, "ERR_BAD_INPUT", "channels do not match order");
  if (static_cast<int64_t>(src.ElementLength()) < (height - 1) * stride + int64_t(width) * channels)
    throwError(env, "ERR_BAD_INPUT", "src is shorter than height rows of stride bytes");
  call.src = cpu::Image{src.Data(), width, height, channels, static_cast<size_t>(stride), static_cast<cpu::PixelOrder>(order)};
  call.geometry = cpu::ClassifyGeometry{intProp(p, "resizedWidth", 1, 1 << 20), intProp(p, "resizedHeight", 1, 1 << 20), intProp(p, "cropLeft", 0, 1 << 20),
                                        intProp(p, "cropTop", 0, 1 << 20), intProp(p, "size", 1, 1 << 14)};
  const int dtype = intProp(p, "dtype", 0, 2), layout = intProp(p, "layout", 0, 1);
  static const napi_typedarray_type arrayOf[] = {napi_float32_array, napi_uint16_array, napi_uint8_array};
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != arrayOf[dtype])
    throwError(env, "ERR_BAD_INPUT", "out has the wrong TypedArray type for dtype");
  Napi::TypedArray out = info[2].As<Napi::TypedArray>();
  if (out.ElementLength() < size_t(call.geometry.size) * call.geometry.size * 3) throwError(env, "ERR_BAD_INPUT", "out is too small for the output size");
  call.out = cpu::ClassifyOutput{static_cast<uint8_t*>(out.ArrayBuffer().Data()) + out.ByteOffset(), static_cast<cpu::OutDtype>(dtype),
                                 static_cast<cpu::OutLayout>(layout)};
  return call;
}

Napi::Value classifyTransform(const Napi::CallbackInfo& info) {
  ClassifyCall call = classifyArgs(info);
  std::string err = contained(info.Env(), [&] { return cpu::classifyTransform(call.src, call.geometry, call.out); });
  if (!err.empty()) throwError(info.Env(), "ERR_BAD_INPUT", err);
  return info.Env().Undefined();
}

Napi::Value classifyTransformAsync(const Napi::CallbackInfo& info) {
  ClassifyCall call = classifyArgs(info);
  auto src = std::make_shared<Napi::ObjectReference>(Napi::Persistent(info[0].As<Napi::Object>()));
  auto out = std::make_shared<Napi::ObjectReference>(Napi::Persistent(info[2].As<Napi::Object>()));
  return queueWork<std::string>(
      info.Env(), "trtjs.classifyTransform",
      [call] {
        std::string err = cpu::classifyTransform(call.src, call.geometry, call.out);
        if (!err.empty()) throw CodedError("ERR_BAD_INPUT", err);
        return err;
      },
      [](Napi::Env env, std::string&) -> Napi::Value { return env.Undefined(); },
      [src, out] {
        src->Reset();
        out->Reset();
      });
}

}  // namespace

void registerTasks(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeExtras", Napi::Function::New(env, decodeExtras, "decodeExtras"));
  exports.Set("decodeObb", Napi::Function::New(env, decodeObb, "decodeObb"));
  exports.Set("nmsRotated", Napi::Function::New(env, nmsRotated, "nmsRotated"));
  exports.Set("probiou", Napi::Function::New(env, probiou, "probiou"));
  exports.Set("processMasks", Napi::Function::New(env, processMasks, "processMasks"));
  exports.Set("scaleMasks", Napi::Function::New(env, scaleMasks, "scaleMasks"));
  exports.Set("maskContours", Napi::Function::New(env, maskContours, "maskContours"));
  exports.Set("polygonMasks", Napi::Function::New(env, polygonMasks, "polygonMasks"));
  exports.Set("maskIou", Napi::Function::New(env, maskIou, "maskIou"));
  exports.Set("classifyTransform", Napi::Function::New(env, classifyTransform, "classifyTransform"));
  exports.Set("classifyTransformAsync", Napi::Function::New(env, classifyTransformAsync, "classifyTransformAsync"));
}

}  // namespace trtjs::napi
