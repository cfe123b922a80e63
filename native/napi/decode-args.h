// The arguments of every decode entry point (decode, decodeExtras, decodeObb): a head's data for one batch item and
// cpu::DecodeOptions with every value from JS (C++ holds no defaults), with the shape checks that keep every read in
// bounds whatever the caller sent. lib/ validates with precise messages first.
#pragma once
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu/decode.h"
#include "napi/args.h"

namespace trtjs::napi {

struct DecodeHead {
  Napi::TypedArray data;  // Float32Array, or Uint16Array of float16 bits
  cpu::DecodeOptions o;
};

// decode's params object, checked: every value given, the head wide enough for its format (plus `extra` channels the
// caller reads past the head's own, e.g. the obb angle).
inline cpu::DecodeOptions decodeOptionsArg(Napi::Env env, Napi::Object p, int extra = 0) {
  cpu::DecodeOptions o;
  o.format = static_cast<cpu::HeadFormat>(intProp(p, "format", 0, 2));
  o.channelsFirst = boolProp(p, "channelsFirst");
  o.rows = intProp(p, "rows", 0, INT32_MAX);
  o.cols = intProp(p, "cols", 0, INT32_MAX);
  o.nc = intProp(p, "nc", 0, 1 << 20);
  o.conf = static_cast<float>(numberProp(p, "conf"));
  // A double, as torchvision's `double iou_threshold` receives Python's float.
  o.iou = numberProp(p, "iou");
  o.maxDet = intProp(p, "maxDet", 1, INT32_MAX);
  o.maxNms = intProp(p, "maxNms", 1, INT32_MAX);
  o.agnostic = boolProp(p, "agnostic");
  o.multiLabel = boolProp(p, "multiLabel");
  Napi::Value classes = p.Get("classes");
  if (classes.IsTypedArray()) {
    auto c = typedArg<int32_t>(classes, napi_int32_array, "classes");
    o.classes = c.Data();
    o.numClasses = c.ElementLength();
  }
  const int64_t minCols = o.format == cpu::HeadFormat::AnchorBased ? 5 + int64_t(o.nc) : o.format == cpu::HeadFormat::EndToEnd ? 6 : 4 + int64_t(o.nc);
  const int64_t channels = o.format == cpu::HeadFormat::AnchorFree && o.channelsFirst ? o.rows : o.cols;
  if (channels < minCols + extra) throwError(env, "ERR_BAD_INPUT", "shape has fewer channels than the head needs");
  return o;
}

// (data, params) for one batch item: data must hold rows x cols values.
inline DecodeHead decodeHeadArgs(const Napi::CallbackInfo& info, int extra = 0) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray()) throwError(env, "ERR_BAD_INPUT", "expected (data, params)");
  DecodeHead h{info[0].As<Napi::TypedArray>(), decodeOptionsArg(env, objectArg(info, 1, "params"), extra)};
  if (h.data.ElementLength() != size_t(h.o.rows) * size_t(h.o.cols)) throwError(env, "ERR_BAD_INPUT", "data length does not match rows x cols");
  if (h.data.TypedArrayType() != napi_float32_array && h.data.TypedArrayType() != napi_uint16_array)
    throwError(env, "ERR_BAD_INPUT", "data must be a Float32Array or a Uint16Array of float16 bits");
  return h;
}

// A decode's detections for JS (boxes per its format: 4 values, or 5 for rotated boxes).
template <typename Detections>
Napi::Object detectionsOut(Napi::Env env, const Detections& d);

template <typename T>
Napi::TypedArrayOf<T> copyOut(Napi::Env env, const std::vector<T>& v) {
  auto arr = Napi::TypedArrayOf<T>::New(env, v.size());
  if (!v.empty()) std::memcpy(arr.Data(), v.data(), v.size() * sizeof(T));
  return arr;
}

template <typename Detections>
Napi::Object detectionsOut(Napi::Env env, const Detections& d) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("boxes", copyOut(env, d.boxes));
  out.Set("scores", copyOut(env, d.scores));
  out.Set("classes", copyOut(env, d.classes));
  out.Set("anchors", copyOut(env, d.anchors));
  return out;
}

}  // namespace trtjs::napi
