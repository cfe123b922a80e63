// An EngineDesc as the plain object lib/ reads: { tensors, profiles, deviceMemory, layers }.
#pragma once
#include <napi.h>

#include "napi/args.h"
#include "trt/layers/layer.h"

namespace trtjs::napi {

inline Napi::Object engineDescToJs(Napi::Env env, const trt::EngineDesc& d) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Array tensors = Napi::Array::New(env, d.tensors.size());
  for (size_t i = 0; i < d.tensors.size(); ++i) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("name", d.tensors[i].name);
    t.Set("input", d.tensors[i].input);
    t.Set("dtype", d.tensors[i].dtype);
    t.Set("shape", dimsToJs(env, d.tensors[i].shape));
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
  out.Set("layers", Napi::Number::New(env, d.layers));
  return out;
}

}  // namespace trtjs::napi
