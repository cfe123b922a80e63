// trtCancelToken() → token; trtCancelBuild(token); trtBuildEngine(onnx, params, onProgress, token): the ONNX bytes and
// parameters are copied, the build runs on the libuv pool, progress reaches JS through a thread-safe function, and
// trtCancelBuild stops the build at TensorRT's next step. The token is native-owned state (a shared flag) that the
// build holds its own reference to: nothing JavaScript can detach, free or collect is ever read by the build thread.
#ifdef TRTJS_WITH_TENSORRT
#include <memory>

#include "napi/args.h"
#include "napi/async.h"
#include "napi/engine-desc.h"
#include "napi/register.h"
#include "trt/layers/select.h"

namespace trtjs::napi {

namespace {

struct ProgressEvent {
  std::string phase;
  int step, steps;
};

struct Token {
  trt::CancelFlag flag = std::make_shared<std::atomic<bool>>(false);
};

// Tells our tokens from any other External.
constexpr napi_type_tag kTokenTag = {0x2c61e0b9d7a84f13ULL, 0x8e5d3a1f6b0c4927ULL};

trt::CancelFlag flagOf(Napi::Env env, Napi::Value v) {
  bool tagged = false;
  if (!v.IsExternal() || napi_check_object_type_tag(env, v, &kTokenTag, &tagged) != napi_ok || !tagged)
    throwError(env, "ERR_BAD_INPUT", "cancel token expected (from trtCancelToken)");
  return v.As<Napi::External<Token>>().Data()->flag;
}

Napi::Value trtCancelToken(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto token = std::make_unique<Token>();
  Napi::External<Token> handle = Napi::External<Token>::New(env, token.get(), [](Napi::Env, Token* t) { delete t; });
  token.release();
  if (napi_type_tag_object(env, handle, &kTokenTag) != napi_ok) throwError(env, "ERR_NATIVE", "cannot tag the cancel token");
  return handle;
}

Napi::Value trtCancelBuild(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  flagOf(env, info.Length() > 0 ? info[0] : env.Undefined())->store(true);
  return env.Undefined();
}

Napi::Value trtBuildEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[2].IsFunction()) throwError(env, "ERR_BAD_INPUT", "trtBuildEngine(onnx, params, onProgress, cancelToken)");
  auto onnx = typedArg<uint8_t>(info[0], napi_uint8_array, "onnx");
  Napi::Object p = objectArg(info, 1, "params");
  trt::CancelFlag cancel = flagOf(env, info[3]);

  auto params = std::make_shared<trt::BuildParams>();
  params->fp16 = boolProp(p, "fp16");
  params->stronglyTyped = boolProp(p, "stronglyTyped");
  params->workspace = static_cast<size_t>(numberProp(p, "workspace"));
  params->optimizationLevel = intProp(p, "optimizationLevel", -1, 5);
  params->device = intProp(p, "device", 0, 1024);
  Napi::Value profiles = p.Get("profiles");
  if (!profiles.IsArray()) throwError(env, "ERR_BAD_INPUT", "profiles must be an array");
  for (uint32_t i = 0; i < profiles.As<Napi::Array>().Length(); ++i) {
    Napi::Value entries = profiles.As<Napi::Array>().Get(i);
    if (!entries.IsArray()) throwError(env, "ERR_BAD_INPUT", "each profile must be an array");
    std::vector<trt::ProfileInput> profile;
    for (uint32_t k = 0; k < entries.As<Napi::Array>().Length(); ++k) {
      Napi::Value e = entries.As<Napi::Array>().Get(k);
      if (!e.IsObject()) throwError(env, "ERR_BAD_INPUT", "profile entries must be objects");
      Napi::Object o = e.As<Napi::Object>();
      if (!o.Get("name").IsString()) throwError(env, "ERR_BAD_INPUT", "profile entry name must be a string");
      profile.push_back(
          {o.Get("name").As<Napi::String>().Utf8Value(), dimsFromJs(o.Get("min"), "min"), dimsFromJs(o.Get("opt"), "opt"), dimsFromJs(o.Get("max"), "max")});
    }
    params->profiles.push_back(std::move(profile));
  }
  Napi::Value cache = p.Get("timingCache");
  if (cache.IsTypedArray()) {
    auto c = typedArg<uint8_t>(cache, napi_uint8_array, "timingCache");
    params->timingCache.assign(c.Data(), c.Data() + c.ElementLength());
  }
  params->cancel = cancel;
  auto model = std::make_shared<std::vector<uint8_t>>(onnx.Data(), onnx.Data() + onnx.ElementLength());

  auto tsfn = std::make_shared<Napi::ThreadSafeFunction>(Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "trtjs.buildProgress", 0, 1));

  return queueWork<trt::BuildResult>(
      env, "trtjs.buildEngine",
      [model, params, tsfn] {
        trt::Progress progress = [tsfn](const std::string& phase, int step, int steps) {
          auto* event = new ProgressEvent{phase, step, steps};
          napi_status st = tsfn->NonBlockingCall(event, [](Napi::Env env, Napi::Function fn, ProgressEvent* e) {
            if (env != nullptr && fn != nullptr) {
              try {
                fn.Call({Napi::String::New(env, e->phase), Napi::Number::New(env, e->step), Napi::Number::New(env, e->steps)});
              } catch (...) {
                // A throwing progress callback must not break the build.
              }
            }
            delete e;
          });
          if (st != napi_ok) delete event;
        };
        return trt::activeLayer().buildEngine(model->data(), model->size(), *params, progress);
      },
      [](Napi::Env env, trt::BuildResult& r) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("plan", Napi::Buffer<uint8_t>::Copy(env, r.plan.data(), r.plan.size()));
        out.Set("timingCache",
                r.timingCache.empty() ? env.Null() : Napi::Buffer<uint8_t>::Copy(env, r.timingCache.data(), r.timingCache.size()).As<Napi::Value>());
        out.Set("networkLayers", Napi::Number::New(env, r.networkLayers));
        out.Set("engineInfo", Napi::String::New(env, r.engineInfo));
        Napi::Array warnings = Napi::Array::New(env, r.warnings.size());
        for (size_t i = 0; i < r.warnings.size(); ++i) warnings.Set(i, r.warnings[i]);
        out.Set("warnings", warnings);
        return out;
      },
      [tsfn] { tsfn->Release(); });
}

// trtInspectEngine(plan, device, { allowHostCode }): deserializes off the JS thread and describes the engine.
Napi::Value trtInspectEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto plan = typedArg<uint8_t>(info.Length() > 0 ? info[0] : env.Undefined(), napi_uint8_array, "plan");
  if (info.Length() < 3 || !info[1].IsNumber()) throwError(env, "ERR_BAD_INPUT", "trtInspectEngine(plan, device, options)");
  int device = info[1].As<Napi::Number>().Int32Value();
  trt::LoadOptions options = loadOptionsFromJs(info, 2);
  auto bytes = std::make_shared<std::vector<uint8_t>>(plan.Data(), plan.Data() + plan.ElementLength());
  return queueWork<trt::EngineDesc>(
      env, "trtjs.inspectEngine", [bytes, device, options] { return trt::activeLayer().inspectEngine(bytes->data(), bytes->size(), device, options); },
      [](Napi::Env env, trt::EngineDesc& d) -> Napi::Value { return engineDescToJs(env, d); });
}

}  // namespace

void registerBuild(Napi::Env env, Napi::Object exports) {
  exports.Set("trtBuildEngine", Napi::Function::New(env, trtBuildEngine, "trtBuildEngine"));
  exports.Set("trtCancelToken", Napi::Function::New(env, trtCancelToken, "trtCancelToken"));
  exports.Set("trtCancelBuild", Napi::Function::New(env, trtCancelBuild, "trtCancelBuild"));
  exports.Set("trtInspectEngine", Napi::Function::New(env, trtInspectEngine, "trtInspectEngine"));
}

}  // namespace trtjs::napi
#endif
