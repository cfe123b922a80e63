// PROTOTYPE, UNVERIFIED (written without a GPU): one round trip JS → GPU → resolved Promise through each completion
// mechanism of cuda/completion.h, for bench/completion.bench.ts and test/gpu/completion.test.ts. Not used by the
// engine runtime yet; the fastest mechanism that stays correct under load goes there.
#include "napi/register.h"

#ifdef TRTJS_WITH_CUDA
#include <memory>
#include <string>

#include "cuda/completion.h"
#include "napi/args.h"
#include "napi/async.h"
#endif

namespace trtjs::napi {

#ifdef TRTJS_WITH_CUDA
namespace {

// A probe stream and the JS-thread handover for the mechanisms that finish on another thread. Pending requests keep
// the thread-safe function referenced (so the event loop waits for them); an idle probe does not keep Node alive.
struct ProbeHandle {
  cuda::Probe probe;
  Napi::ThreadSafeFunction tsfn;
  int pending = 0;  // JS thread only
  ~ProbeHandle() {
    cuda::probeDestroy(probe);
    if (tsfn) tsfn.Release();  // the last owner: the JS handle and every pending request are gone
  }
};

struct Request {
  ProbeHandle* owner;
  Napi::Promise::Deferred deferred;
  std::shared_ptr<ProbeHandle> keep;  // the probe outlives its requests
  std::string error;
};

cuda::EventPoller& poller() {
  static cuda::EventPoller p;  // one completion thread per process, idle (blocked) while nothing is pending
  return p;
}

// On the JS thread: settle the request, drop the reference when nothing else is pending.
void settle(Napi::Env env, Request* r) {
  std::unique_ptr<Request> owned(r);
  if (r->error.empty())
    r->deferred.Resolve(env.Undefined());
  else
    r->deferred.Reject(makeError(env, "ERR_CUDA", r->error).Value());
  if (--r->owner->pending == 0) r->owner->tsfn.Unref(env);
}

// From the CUDA driver thread (hostfn) or the completion thread (poller): hand the request to the JS thread.
void handOver(Request* r) {
  const napi_status status = r->owner->tsfn.NonBlockingCall(r, [](Napi::Env env, Napi::Function, Request* req) { settle(env, req); });
  (void)status;  // only fails when the environment is shutting down; the request is then dropped with it
}

std::shared_ptr<ProbeHandle>* handleOf(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal()) throwError(info.Env(), "ERR_BAD_INPUT", "expected a completion probe");
  return info[0].As<Napi::External<std::shared_ptr<ProbeHandle>>>().Data();
}

Napi::Value completionProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int device = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  auto handle = std::make_shared<ProbeHandle>();
  std::string err = cuda::probeCreate(device, handle->probe);
  if (!err.empty()) throwError(env, "ERR_CUDA", err);
  handle->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "trtjs.completion", 0, 1);
  handle->tsfn.Unref(env);
  auto* boxed = new std::shared_ptr<ProbeHandle>(handle);
  return Napi::External<std::shared_ptr<ProbeHandle>>::New(env, boxed, [](Napi::Env, std::shared_ptr<ProbeHandle>* h) { delete h; });
}

// completionRoundTrip(probe, mode): 'worker' | 'hostfn' | 'poller'
Napi::Value completionRoundTrip(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<ProbeHandle> handle = *handleOf(info);
  const std::string mode = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  if (mode == "worker") {
    const cuda::Probe probe = handle->probe;
    return queueWork<int>(
        env, "trtjs.completion",
        [probe, handle] {
          std::string err = cuda::probeEnqueue(probe);
          if (err.empty()) err = cuda::probeSynchronize(probe);
          if (!err.empty()) throw CodedError("ERR_CUDA", err);
          return 0;
        },
        [](Napi::Env e, int&) -> Napi::Value { return e.Undefined(); });
  }
  if (mode != "hostfn" && mode != "poller") throwError(env, "ERR_BAD_INPUT", "mode must be 'worker', 'hostfn' or 'poller'");
  auto* r = new Request{handle.get(), Napi::Promise::Deferred::New(env), handle, ""};
  Napi::Promise promise = r->deferred.Promise();
  std::string err = cuda::probeEnqueue(handle->probe);
  if (err.empty() && mode == "hostfn") {
    err = cuda::probeHostFunc(
        handle->probe, [](void* arg) { handOver(static_cast<Request*>(arg)); }, r);
  } else if (err.empty()) {
    err = poller().watch(
        handle->probe,
        [](void* arg, const std::string& e) {
          auto* req = static_cast<Request*>(arg);
          req->error = e;
          handOver(req);
        },
        r);
  }
  if (!err.empty()) {
    delete r;
    throwError(env, "ERR_CUDA", err);
  }
  if (handle->pending++ == 0) handle->tsfn.Ref(env);
  return promise;
}

Napi::Value completionRawLoop(const Napi::CallbackInfo& info) {
  std::shared_ptr<ProbeHandle> handle = *handleOf(info);
  const int iterations = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 1000;
  const cuda::Probe probe = handle->probe;
  return queueWork<double>(
      info.Env(), "trtjs.completionRawLoop",
      [probe, iterations, handle] {
        double micros = 0;
        std::string err = cuda::probeRawLoop(probe, iterations, micros);
        if (!err.empty()) throw CodedError("ERR_CUDA", err);
        return micros;
      },
      [](Napi::Env e, double& micros) -> Napi::Value { return Napi::Number::New(e, micros); });
}

}  // namespace
#endif

void registerCudaCompletion(Napi::Env env, Napi::Object exports) {
#ifdef TRTJS_WITH_CUDA
  exports.Set("completionProbe", Napi::Function::New(env, completionProbe, "completionProbe"));
  exports.Set("completionRoundTrip", Napi::Function::New(env, completionRoundTrip, "completionRoundTrip"));
  exports.Set("completionRawLoop", Napi::Function::New(env, completionRawLoop, "completionRawLoop"));
#else
  (void)env;
  (void)exports;
#endif
}

}  // namespace trtjs::napi
