// An EngineDesc as the plain object lib/ reads: { tensors, profiles, deviceMemory, profileMemory, layers, warnings },
// and the load options lib/ passes.
#pragma once
#include <napi.h>

#include "napi/args.h"
#include "trt/layers/layer.h"

namespace trtjs::napi {

inline Napi::Array stringsToJs(Napi::Env env, const std::vector<std::string>& list);

inline Napi::Object engineDescToJs(Napi::Env env, const trt::EngineDesc& d) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Array tensors = Napi::Array::New(env, d.tensors.size());
  for (size_t i = 0; i < d.tensors.size(); ++i) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("name", d.tensors[i].name);
    t.Set("input", d.tensors[i].input);
    t.Set("dtype", d.tensors[i].dtype);
    t.Set("shape", dimsToJs(env, d.tensors[i].shape));
    const auto& formats = d.tensors[i].formats;
    Napi::Array fs = Napi::Array::New(env, formats.size());
    for (size_t p = 0; p < formats.size(); ++p) {
      Napi::Object f = Napi::Object::New(env);
      f.Set("format", formats[p].format);
      f.Set("text", formats[p].text);
      f.Set("vectorizedDim", formats[p].vectorizedDim);
      f.Set("components", formats[p].components);
      fs.Set(static_cast<uint32_t>(p), f);
    }
    t.Set("formats", fs);
    tensors.Set(static_cast<uint32_t>(i), t);
  }
  out.Set("tensors", tensors);
  Napi::Array profiles = Napi::Array::New(env, d.profiles.size());
  for (size_t p = 0; p < d.profiles.size(); ++p) {
    Napi::Array inputs = Napi::Array::New(env, d.profiles[p].size());
    for (size_t k = 0; k < d.profiles[p].size(); ++k) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", d.profiles[p][k].name);
      o.Set("min", dimsToJs(env, d.profiles[p][k].min));
      o.Set("opt", dimsToJs(env, d.profiles[p][k].opt));
      o.Set("max", dimsToJs(env, d.profiles[p][k].max));
      inputs.Set(static_cast<uint32_t>(k), o);
    }
    profiles.Set(static_cast<uint32_t>(p), inputs);
  }
  out.Set("profiles", profiles);
  out.Set("deviceMemory", Napi::Number::New(env, static_cast<double>(d.deviceMemory)));
  Napi::Array memory = Napi::Array::New(env, d.profileMemory.size());
  for (size_t p = 0; p < d.profileMemory.size(); ++p) memory.Set(static_cast<uint32_t>(p), Napi::Number::New(env, static_cast<double>(d.profileMemory[p])));
  out.Set("profileMemory", memory);
  out.Set("layers", Napi::Number::New(env, d.layers));
  out.Set("warnings", stringsToJs(env, d.warnings));
  return out;
}

inline Napi::Array stringsToJs(Napi::Env env, const std::vector<std::string>& list) {
  Napi::Array out = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); ++i) out.Set(static_cast<uint32_t>(i), list[i]);
  return out;
}

// { allowHostCode: boolean } at info[i] (lib/ always passes it).
inline trt::LoadOptions loadOptionsFromJs(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsObject()) throwError(env, "ERR_BAD_INPUT", "load options must be an object");
  Napi::Value allow = info[i].As<Napi::Object>().Get("allowHostCode");
  if (!allow.IsBoolean()) throwError(env, "ERR_BAD_INPUT", "load options.allowHostCode must be a boolean");
  trt::LoadOptions options;
  options.allowHostCode = allow.As<Napi::Boolean>().Value();
  return options;
}

}  // namespace trtjs::napi
