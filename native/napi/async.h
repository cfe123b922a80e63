// Runs `work` on the libuv pool and settles a Promise with `settle(env, result)` on the JS thread.
// `work` must not touch JS values: callers copy what they need out of the arguments first. `cleanup`, if
// given, runs on the JS thread after `settle` and before the Promise settles, whether the work succeeded or not.
#pragma once
#include <napi.h>

#include <exception>
#include <functional>
#include <new>
#include <optional>
#include <utility>

#include "napi/errors.h"

namespace trtjs::napi {

template <typename Result>
class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<Result()>;
  using Settle = std::function<Napi::Value(Napi::Env, Result&)>;
  using Cleanup = std::function<void()>;

  PromiseWorker(Napi::Env env, const char* name, Work work, Settle settle, Cleanup cleanup)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        settle_(std::move(settle)),
        cleanup_(std::move(cleanup)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      result_.emplace(work_());
    } catch (const CodedError& e) {
      code_ = e.code;
      message_ = e.what();
    } catch (const std::bad_alloc&) {
      code_ = "ERR_OUT_OF_MEMORY";
      message_ = "out of host memory";
    } catch (const std::exception& e) {
      code_ = "ERR_NATIVE";
      message_ = e.what();
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    // settle_ may still read what cleanup_ releases (references to the caller's arrays): it runs first, then cleanup_,
    // then the Promise settles.
    Napi::Value value, error;
    if (!code_.empty()) {
      error = makeError(env, code_, message_).Value();
    } else {
      try {
        value = settle_(env, *result_);
      } catch (const Napi::Error& e) {
        error = e.Value();
      } catch (const std::bad_alloc&) {
        error = makeError(env, "ERR_OUT_OF_MEMORY", "out of host memory").Value();
      } catch (const std::exception& e) {
        // Anything else escaping here would terminate the process (node-addon-api only catches Napi::Error).
        error = makeError(env, "ERR_NATIVE", e.what()).Value();
      }
    }
    if (cleanup_) cleanup_();
    if (error.IsEmpty())
      deferred_.Resolve(value);
    else
      deferred_.Reject(error);
  }

  void OnError(const Napi::Error& e) override {
    if (cleanup_) cleanup_();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  Settle settle_;
  Cleanup cleanup_;
  std::optional<Result> result_;
  std::string code_;
  std::string message_;
};

template <typename Result>
Napi::Promise queueWork(Napi::Env env, const char* name, typename PromiseWorker<Result>::Work work, typename PromiseWorker<Result>::Settle settle,
                        typename PromiseWorker<Result>::Cleanup cleanup = nullptr) {
  auto* worker = new PromiseWorker<Result>(env, name, std::move(work), std::move(settle), std::move(cleanup));
  Napi::Promise promise = worker->promise();
  worker->Queue();  // the worker deletes itself after settling
  return promise;
}

}  // namespace trtjs::napi
