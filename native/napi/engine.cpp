// TensorRT inference handles:
//   trtLoadEngine(plan, device, { allowHostCode }) → { handle, desc }: the plan deserialized and described;
//   trtCreateContexts(handle, profiles, mapped, memory) → { staging, warnings }: one execution context per entry of
//     `profiles`, serving that optimization profile (lib/ decides which), `memory` a constants.contextMemory; staging[c][t] is an ArrayBuffer over the
//     pinned host memory of IO tensor t of context c (no copies between JS and it); once per engine;
//   trtRun(handle, context, inputShapes) → output shapes, their data in the context's output staging;
//   trtRun(handle, context, inputShapes, { timing, transfers, spinWait, cudaGraph }) → { shapes, timing? } (benchmarks);
//   trtEnableImageIn(handle, frameBytes) → ArrayBuffer[]: per context, the pinned frame staging that trtDetect reads
//     (JavaScript writes the decoded frame there); once, after trtCreateContexts;
//   trtDetect(handle, context, params) → { boxes, scores, classes, anchors, candidates }: image in, detections out on
//     the device (EngineRuntime::detect): params hold the frame's size, stride and pixel order, the letterbox
//     geometry and pad value, the head output's index, `decode` (decode's params) and `graph` (a
//     constants.graphMode); the result's `graph`: a constants.graphResult (trtRun's timing.graph too);
//   trtDisposeEngine(handle): detaches every staging ArrayBuffer, then lets the engine go. A run in flight holds
//     its own reference, so the memory outlives it, but JavaScript can no longer reach it.
// Each staging ArrayBuffer holds its own reference to its pinned block, so no ArrayBuffer (even one moved out of
// reach of dispose by ArrayBuffer.prototype.transfer) ever points at freed memory; the engine itself goes at
// dispose, or when its handle is garbage-collected.
#ifdef TRTJS_WITH_TENSORRT
#include <memory>

#include "napi/args.h"
#include "napi/async.h"
#include "napi/decode-args.h"
#include "napi/engine-desc.h"
#include "napi/register.h"
#include "trt/layers/select.h"

namespace trtjs::napi {

namespace {

struct Holder {
  std::shared_ptr<trt::Engine> runtime;
  std::vector<Napi::Reference<Napi::ArrayBuffer>> staging;  // weak: to detach them on dispose
  bool contextsAsked = false;
};

// Tells our Externals from any other: a foreign one is refused instead of being read as a Holder.
constexpr napi_type_tag kHolderTag = {0x7f3a1c5e2b9d4e61ULL, 0x9a0c4d2e8b1f3a57ULL};

Holder& holderOf(Napi::Env env, Napi::Value v) {
  bool tagged = false;
  if (!v.IsExternal() || napi_check_object_type_tag(env, v, &kHolderTag, &tagged) != napi_ok || !tagged)
    throwError(env, "ERR_BAD_INPUT", "engine handle expected");
  return *v.As<Napi::External<Holder>>().Data();
}

int intArg(const Napi::CallbackInfo& info, size_t i, const char* name, int min, int max) {
  Napi::Value v = info.Length() > i ? info[i] : info.Env().Undefined();
  if (!v.IsNumber()) throwError(info.Env(), "ERR_BAD_INPUT", std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max) || d != static_cast<double>(static_cast<int>(d)))
    throwError(info.Env(), "ERR_BAD_INPUT", std::string(name) + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return static_cast<int>(d);
}

Napi::ArrayBuffer stagingBuffer(Napi::Env env, Holder& holder, const trt::Staging& s);

Napi::Value trtLoadEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto plan = typedArg<uint8_t>(info.Length() > 0 ? info[0] : env.Undefined(), napi_uint8_array, "plan");
  int device = intArg(info, 1, "device", 0, 1024);
  trt::LoadOptions options = loadOptionsFromJs(info, 2);
  auto bytes = std::make_shared<std::vector<uint8_t>>(plan.Data(), plan.Data() + plan.ElementLength());
  return queueWork<std::shared_ptr<trt::Engine>>(
      env, "trtjs.loadEngine", [bytes, device, options] { return trt::activeLayer().loadEngine(bytes->data(), bytes->size(), device, options); },
      [](Napi::Env env, std::shared_ptr<trt::Engine>& rt) -> Napi::Value {
        auto holder = std::make_unique<Holder>();
        holder->runtime = rt;
        Napi::External<Holder> handle = Napi::External<Holder>::New(env, holder.get(), [](Napi::Env, Holder* h) { delete h; });
        holder.release();
        if (napi_type_tag_object(env, handle, &kHolderTag) != napi_ok) throwError(env, "ERR_NATIVE", "cannot tag the engine handle");
        Napi::Object out = Napi::Object::New(env);
        out.Set("handle", handle);
        out.Set("desc", engineDescToJs(env, rt->describe()));
        return out;
      });
}

Napi::Value trtCreateContexts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value handle = info.Length() > 0 ? info[0] : env.Undefined();
  Holder& holder = holderOf(env, handle);
  if (!holder.runtime) throwError(env, "ERR_DISPOSED", "the engine has been disposed");
  if (holder.contextsAsked) throwError(env, "ERR_BAD_INPUT", "the execution contexts of this engine were made already");
  if (info.Length() < 2 || !info[1].IsArray()) throwError(env, "ERR_BAD_INPUT", "profiles must be an array of profile indices");
  Napi::Array list = info[1].As<Napi::Array>();
  if (list.Length() < 1 || list.Length() > 4096) throwError(env, "ERR_BAD_INPUT", "profiles must list 1 to 4096 contexts");
  std::vector<int> profiles;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    Napi::Value v = list.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= 65535) || d != static_cast<double>(static_cast<int>(d))) throwError(env, "ERR_BAD_INPUT", "profiles[i] must be a profile index");
    profiles.push_back(static_cast<int>(d));
  }
  if (info.Length() < 3 || !info[2].IsBoolean()) throwError(env, "ERR_BAD_INPUT", "mapped must be a boolean");
  bool mapped = info[2].As<Napi::Boolean>().Value();
  int memory = intArg(info, 3, "memory", 0, static_cast<int>(trt::ContextMemory::kProfile));
  holder.contextsAsked = true;
  std::shared_ptr<trt::Engine> rt = holder.runtime;
  // The handle stays referenced until the work settles, so the Holder the settle fills is still there.
  auto keep = std::make_shared<Napi::ObjectReference>(Napi::Persistent(handle.As<Napi::Object>()));
  return queueWork<std::vector<std::string>>(
      env, "trtjs.createContexts", [rt, profiles, mapped, memory] { return rt->createContexts(profiles, mapped, static_cast<trt::ContextMemory>(memory)); },
      [rt, keep](Napi::Env env, std::vector<std::string>& warnings) -> Napi::Value {
        Holder& holder = holderOf(env, keep->Value());
        // Disposed while the contexts were made: nothing may be handed out that dispose would not detach.
        if (!holder.runtime) throwError(env, "ERR_DISPOSED", "the engine was disposed while its execution contexts were made");
        const trt::EngineDesc& desc = rt->describe();
        Napi::Array staging = Napi::Array::New(env, rt->contextCount());
        for (size_t c = 0; c < rt->contextCount(); ++c) {
          Napi::Array tensors = Napi::Array::New(env, desc.tensors.size());
          for (size_t t = 0; t < desc.tensors.size(); ++t) {
            tensors.Set(static_cast<uint32_t>(t), stagingBuffer(env, holder, rt->staging(c, t)));
          }
          staging.Set(static_cast<uint32_t>(c), tensors);
        }
        Napi::Object out = Napi::Object::New(env);
        out.Set("staging", staging);
        out.Set("warnings", stringsToJs(env, warnings));
        return out;
      },
      [keep] { keep->Reset(); });
}

Napi::Value trtRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Holder& holder = holderOf(env, info.Length() > 0 ? info[0] : env.Undefined());
  if (!holder.runtime) throwError(env, "ERR_DISPOSED", "the engine has been disposed");
  std::shared_ptr<trt::Engine> rt = holder.runtime;
  int context = intArg(info, 1, "context", 0, static_cast<int>(rt->contextCount()) - 1);
  if (info.Length() < 3 || !info[2].IsArray()) throwError(env, "ERR_BAD_INPUT", "inputShapes must be an array of shapes");
  Napi::Array list = info[2].As<Napi::Array>();
  std::vector<std::vector<int64_t>> shapes;
  for (uint32_t i = 0; i < list.Length(); ++i) shapes.push_back(dimsFromJs(list.Get(i), "inputShapes[i]"));
  auto shapesToJs = [](Napi::Env env, const std::vector<std::vector<int64_t>>& out) {
    Napi::Array result = Napi::Array::New(env, out.size());
    for (size_t i = 0; i < out.size(); ++i) result.Set(static_cast<uint32_t>(i), dimsToJs(env, out[i]));
    return result;
  };
  if (info.Length() < 4 || info[3].IsUndefined()) {
    return queueWork<std::vector<std::vector<int64_t>>>(
        env, "trtjs.run", [rt, context, shapes] { return rt->run(static_cast<size_t>(context), shapes); },
        [shapesToJs](Napi::Env env, std::vector<std::vector<int64_t>>& out) -> Napi::Value { return shapesToJs(env, out); });
  }
  // Benchmark runs: { timing, transfers, spinWait, cudaGraph } → { shapes, timing? }.
  if (!info[3].IsObject()) throwError(env, "ERR_BAD_INPUT", "run options must be an object");
  Napi::Object o = info[3].As<Napi::Object>();
  auto flag = [&](const char* name, bool fallback) {
    Napi::Value v = o.Get(name);
    if (v.IsUndefined()) return fallback;
    if (!v.IsBoolean()) throwError(env, "ERR_BAD_INPUT", std::string("run options.") + name + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
  };
  trt::RunOptions options;
  options.timing = flag("timing", false);
  options.transfers = flag("transfers", true);
  options.spinWait = flag("spinWait", false);
  options.cudaGraph = flag("cudaGraph", false);
  struct Timed {
    std::vector<std::vector<int64_t>> shapes;
    trt::RunTiming timing;
  };
  return queueWork<Timed>(
      env, "trtjs.run",
      [rt, context, shapes, options] {
        Timed t;
        t.shapes = rt->run(static_cast<size_t>(context), shapes, options, &t.timing);
        return t;
      },
      [shapesToJs, options](Napi::Env env, Timed& t) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("shapes", shapesToJs(env, t.shapes));
        if (options.timing) {
          Napi::Object timing = Napi::Object::New(env);
          timing.Set("issueMs", t.timing.issueMs);
          timing.Set("enqueueStartMs", t.timing.enqueueStartMs);
          timing.Set("enqueueEndMs", t.timing.enqueueEndMs);
          timing.Set("h2dMs", t.timing.h2dMs);
          timing.Set("computeMs", t.timing.computeMs);
          timing.Set("d2hMs", t.timing.d2hMs);
          timing.Set("graph", static_cast<int>(t.timing.graph));
          out.Set("timing", timing);
        }
        return out;
      });
}

// Wraps a staging block in an ArrayBuffer that holds its own reference to it, weakly remembered for dispose.
Napi::ArrayBuffer stagingBuffer(Napi::Env env, Holder& holder, const trt::Staging& s) {
  auto* own = new std::shared_ptr<void>(s.owner);
  Napi::ArrayBuffer ab;
  try {
    ab = Napi::ArrayBuffer::New(
        env, s.host, s.bytes, [](Napi::Env, void*, std::shared_ptr<void>* k) { delete k; }, own);
  } catch (...) {
    delete own;
    throw;
  }
  holder.staging.push_back(Napi::Weak(ab));
  return ab;
}

Napi::Value trtEnableImageIn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value handle = info.Length() > 0 ? info[0] : env.Undefined();
  Holder& holder = holderOf(env, handle);
  if (!holder.runtime) throwError(env, "ERR_DISPOSED", "the engine has been disposed");
  if (info.Length() < 2 || !info[1].IsNumber()) throwError(env, "ERR_BAD_INPUT", "frameBytes must be a number");
  const double bytes = info[1].As<Napi::Number>().DoubleValue();
  if (!(bytes >= 1 && bytes <= 4294967296.0) || bytes != static_cast<double>(static_cast<int64_t>(bytes)))
    throwError(env, "ERR_BAD_INPUT", "frameBytes must be an integer in [1, 2^32]");
  std::shared_ptr<trt::Engine> rt = holder.runtime;
  const size_t frameBytes = static_cast<size_t>(bytes);
  auto keep = std::make_shared<Napi::ObjectReference>(Napi::Persistent(handle.As<Napi::Object>()));
  return queueWork<bool>(
      env, "trtjs.enableImageIn",
      [rt, frameBytes] {
        rt->enableImageIn(frameBytes);
        return true;
      },
      [rt, keep](Napi::Env env, bool&) -> Napi::Value {
        Holder& holder = holderOf(env, keep->Value());
        if (!holder.runtime) throwError(env, "ERR_DISPOSED", "the engine was disposed while its frame staging was made");
        Napi::Array out = Napi::Array::New(env, rt->contextCount());
        for (size_t c = 0; c < rt->contextCount(); ++c) out.Set(static_cast<uint32_t>(c), stagingBuffer(env, holder, rt->frameStaging(c)));
        return out;
      },
      [keep] { keep->Reset(); });
}

Napi::Value trtDetect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Holder& holder = holderOf(env, info.Length() > 0 ? info[0] : env.Undefined());
  if (!holder.runtime) throwError(env, "ERR_DISPOSED", "the engine has been disposed");
  std::shared_ptr<trt::Engine> rt = holder.runtime;
  int context = intArg(info, 1, "context", 0, static_cast<int>(rt->contextCount()) - 1);
  Napi::Object p = objectArg(info, 2, "params");
  trt::ImageInRequest r;
  r.width = intProp(p, "width", 1, 1 << 16);
  r.height = intProp(p, "height", 1, 1 << 16);
  r.channels = intProp(p, "channels", 1, 4);
  r.stride = intProp(p, "stride", 1, INT32_MAX);
  r.order = static_cast<cpu::PixelOrder>(intProp(p, "order", 0, 4));
  r.geometry = {intProp(p, "resizedWidth", 1, 1 << 16), intProp(p, "resizedHeight", 1, 1 << 16), intProp(p, "outWidth", 1, 1 << 16),
                intProp(p, "outHeight", 1, 1 << 16),    intProp(p, "padLeft", 0, 1 << 16),       intProp(p, "padTop", 0, 1 << 16)};
  r.padValue = static_cast<uint8_t>(intProp(p, "padValue", 0, 255));
  r.output = static_cast<size_t>(intProp(p, "output", 0, INT32_MAX));
  Napi::Value d = p.Get("decode");
  if (!d.IsObject()) throwError(env, "ERR_BAD_INPUT", "params.decode must be an object");
  r.decode = decodeOptionsArg(env, d.As<Napi::Object>());
  if (r.decode.classes) {
    r.classes.assign(r.decode.classes, r.decode.classes + r.decode.numClasses);
    r.filterClasses = true;
  }
  r.decode.classes = nullptr;
  r.graph = p.Has("graph") ? static_cast<trt::GraphMode>(intProp(p, "graph", 0, static_cast<int>(trt::GraphMode::kRequired))) : trt::GraphMode::kOff;
  return queueWork<trt::ImageInResult>(
      env, "trtjs.detect", [rt, context, r] { return rt->detect(static_cast<size_t>(context), r); },
      [](Napi::Env env, trt::ImageInResult& result) -> Napi::Value {
        Napi::Object out = detectionsOut(env, result.detections);
        out.Set("candidates", Napi::Number::New(env, result.candidates));
        out.Set("graph", Napi::Number::New(env, static_cast<int>(result.graph)));
        return out;
      });
}

Napi::Value trtDisposeEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Holder& holder = holderOf(env, info.Length() > 0 ? info[0] : env.Undefined());
  for (Napi::Reference<Napi::ArrayBuffer>& ref : holder.staging) {
    if (!ref.IsEmpty()) {
      Napi::ArrayBuffer ab = ref.Value();
      if (!ab.IsEmpty() && !ab.IsDetached()) ab.Detach();
    }
    ref.Reset();
  }
  holder.staging.clear();
  holder.runtime.reset();
  return env.Undefined();
}

}  // namespace

void registerEngine(Napi::Env env, Napi::Object exports) {
  exports.Set("trtLoadEngine", Napi::Function::New(env, trtLoadEngine, "trtLoadEngine"));
  exports.Set("trtCreateContexts", Napi::Function::New(env, trtCreateContexts, "trtCreateContexts"));
  exports.Set("trtRun", Napi::Function::New(env, trtRun, "trtRun"));
  exports.Set("trtEnableImageIn", Napi::Function::New(env, trtEnableImageIn, "trtEnableImageIn"));
  exports.Set("trtDetect", Napi::Function::New(env, trtDetect, "trtDetect"));
  exports.Set("trtDisposeEngine", Napi::Function::New(env, trtDisposeEngine, "trtDisposeEngine"));
}

}  // namespace trtjs::napi
#endif
