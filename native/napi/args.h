// Typed argument access for the N-API glue. lib/ validates with precise messages first; these checks only
// guarantee that a caller bypassing lib/ gets an exception instead of a crash or an out-of-bounds access.
#pragma once
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "napi/errors.h"

namespace trtjs::napi {

inline Napi::Object objectArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsObject()) throwError(info.Env(), "ERR_BAD_INPUT", std::string(name) + " must be an object");
  return info[i].As<Napi::Object>();
}

inline double numberProp(Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throwError(o.Env(), "ERR_BAD_INPUT", std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline int32_t intProp(Napi::Object o, const char* key, int32_t min, int32_t max) {
  double d = numberProp(o, key);
  if (!(d >= min && d <= max) || d != static_cast<double>(static_cast<int32_t>(d)))
    throwError(o.Env(), "ERR_BAD_INPUT", std::string(key) + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return static_cast<int32_t>(d);
}

inline bool boolProp(Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) throwError(o.Env(), "ERR_BAD_INPUT", std::string(key) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

template <typename T>
Napi::TypedArrayOf<T> typedArg(Napi::Value v, napi_typedarray_type type, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throwError(v.Env(), "ERR_BAD_INPUT", std::string(name) + " has the wrong TypedArray type");
  return v.As<Napi::TypedArrayOf<T>>();
}

// Tensor dimensions between JS number arrays and int64 vectors (-1 stays -1 for dynamic dims).
inline std::vector<int64_t> dimsFromJs(Napi::Value v, const char* name) {
  if (!v.IsArray()) throwError(v.Env(), "ERR_BAD_INPUT", std::string(name) + " must be an array");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value d = a.Get(i);
    if (!d.IsNumber()) throwError(v.Env(), "ERR_BAD_INPUT", std::string(name) + " must hold numbers");
    out.push_back(d.As<Napi::Number>().Int64Value());
  }
  return out;
}

inline Napi::Array dimsToJs(Napi::Env env, const std::vector<int64_t>& dims) {
  Napi::Array a = Napi::Array::New(env, dims.size());
  for (size_t i = 0; i < dims.size(); ++i) a.Set(i, Napi::Number::New(env, static_cast<double>(dims[i])));
  return a;
}

// Async work writes into native memory it owns; on the JS thread the result goes into the caller's typed array, if
// that is still attached (it may have been transferred meanwhile). The checks read JS properties: they answer for a
// detached array too (byteLength 0), the typed-array info call does not.
inline void copyIntoIfAttached(Napi::Env env, const Napi::ObjectReference& target, const void* bytes, size_t size, const std::string& detached) {
  Napi::Object out = target.Value();
  Napi::Value buffer = out.Get("buffer");
  double byteLength = out.Get("byteLength").As<Napi::Number>().DoubleValue();
  if (!buffer.IsArrayBuffer() || buffer.As<Napi::ArrayBuffer>().IsDetached() || byteLength < static_cast<double>(size))
    throwError(env, "ERR_BAD_INPUT", detached);
  std::memcpy(static_cast<uint8_t*>(buffer.As<Napi::ArrayBuffer>().Data()) + out.As<Napi::TypedArray>().ByteOffset(), bytes, size);
}

}  // namespace trtjs::napi
