// TensorRT inference handles: trtLoadEngine(plan, device, contexts) → handle; trtRun(handle, inputs) → outputs;
// trtDisposeEngine(handle). Runs hold their own reference, so disposing never frees an engine under a run.
#ifdef TRTJS_WITH_TENSORRT
#include <memory>

#include "napi/args.h"
#include "napi/async.h"
#include "napi/register.h"
#include "trt/runtime.h"

namespace trtjs::napi {

namespace {

struct Holder {
  std::shared_ptr<trt::EngineRuntime> runtime;
};

std::shared_ptr<trt::EngineRuntime> runtimeOf(Napi::Value v) {
  if (!v.IsExternal()) throwError(v.Env(), "ERR_BAD_INPUT", "engine handle expected");
  Holder* h = v.As<Napi::External<Holder>>().Data();
  if (!h || !h->runtime) throwError(v.Env(), "ERR_DISPOSED", "the engine has been disposed");
  return h->runtime;
}

Napi::Value trtLoadEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto plan = typedArg<uint8_t>(info.Length() > 0 ? info[0] : env.Undefined(), napi_uint8_array, "plan");
  if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsNumber()) throwError(env, "ERR_BAD_INPUT", "trtLoadEngine(plan, device, contexts)");
  int device = info[1].As<Napi::Number>().Int32Value();
  int contexts = info[2].As<Napi::Number>().Int32Value();
  if (contexts < 1 || contexts > 64) throwError(env, "ERR_BAD_INPUT", "contexts must be in [1, 64]");
  auto bytes = std::make_shared<std::vector<uint8_t>>(plan.Data(), plan.Data() + plan.ElementLength());
  return queueWork<std::shared_ptr<trt::EngineRuntime>>(
      env, "trtjs.loadEngine", [bytes, device, contexts] { return std::make_shared<trt::EngineRuntime>(bytes->data(), bytes->size(), device, contexts); },
      [](Napi::Env env, std::shared_ptr<trt::EngineRuntime>& rt) -> Napi::Value {
        auto* holder = new Holder{rt};
        return Napi::External<Holder>::New(env, holder, [](Napi::Env, Holder* h) { delete h; });
      });
}

Napi::Value trtRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsArray()) throwError(env, "ERR_BAD_INPUT", "trtRun(handle, inputs)");
  auto rt = runtimeOf(info[0]);
  auto inputs = std::make_shared<std::vector<trt::HostTensor>>();
  Napi::Array arr = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value v = arr.Get(i);
    if (!v.IsObject()) throwError(env, "ERR_BAD_INPUT", "inputs must be objects");
    Napi::Object o = v.As<Napi::Object>();
    if (!o.Get("name").IsString() || !o.Get("data").IsTypedArray() || !o.Get("shape").IsArray()) throwError(env, "ERR_BAD_INPUT", "input needs name, shape and data");
    trt::HostTensor t;
    t.name = o.Get("name").As<Napi::String>().Utf8Value();
    t.shape = dimsFromJs(o.Get("shape"), "shape");
    Napi::TypedArray data = o.Get("data").As<Napi::TypedArray>();
    auto* p = static_cast<uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
    t.data.assign(p, p + data.ByteLength());
    inputs->push_back(std::move(t));
  }
  return queueWork<std::vector<trt::HostTensor>>(
      env, "trtjs.run", [rt, inputs] { return rt->run(*inputs); },
      [](Napi::Env env, std::vector<trt::HostTensor>& outs) -> Napi::Value {
        Napi::Array result = Napi::Array::New(env, outs.size());
        for (size_t i = 0; i < outs.size(); ++i) {
          Napi::Object o = Napi::Object::New(env);
          o.Set("name", outs[i].name);
          o.Set("dtype", outs[i].dtype);
          o.Set("shape", dimsToJs(env, outs[i].shape));
          o.Set("data", Napi::Buffer<uint8_t>::Copy(env, outs[i].data.data(), outs[i].data.size()));
          result.Set(i, o);
        }
        return result;
      });
}

Napi::Value trtDisposeEngine(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsExternal()) {
    Holder* h = info[0].As<Napi::External<Holder>>().Data();
    if (h) h->runtime.reset();
  }
  return info.Env().Undefined();
}

}  // namespace

void registerEngine(Napi::Env env, Napi::Object exports) {
  exports.Set("trtLoadEngine", Napi::Function::New(env, trtLoadEngine, "trtLoadEngine"));
  exports.Set("trtRun", Napi::Function::New(env, trtRun, "trtRun"));
  exports.Set("trtDisposeEngine", Napi::Function::New(env, trtDisposeEngine, "trtDisposeEngine"));
}

}  // namespace trtjs::napi
#endif
