// Pinned host buffers handed to JavaScript as external ArrayBuffers: zero copies between JS and the
// staging memory. dispose() detaches the ArrayBuffer before freeing, so no JS view can reach freed memory.
#include "napi/async.h"
#include "napi/errors.h"
#include "napi/register.h"

#ifdef TRTJS_WITH_CUDA
#include "cuda/pinned.h"
#endif

namespace trtjs::napi {

#ifdef TRTJS_WITH_CUDA
namespace {

struct Allocation {
  void* host;
};

Napi::Value pinnedAlloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsBoolean() || !info[2].IsNumber())
    throwError(env, "ERR_BAD_INPUT", "pinnedAlloc(bytes: number, mapped: boolean, device: number)");
  double requested = info[0].As<Napi::Number>().DoubleValue();
  if (!(requested >= 0) || requested > 9007199254740991.0) throwError(env, "ERR_BAD_INPUT", "bytes must be a non-negative safe integer");
  size_t bytes = static_cast<size_t>(requested);
  bool mapped = info[1].As<Napi::Boolean>().Value();
  double deviceArg = info[2].As<Napi::Number>().DoubleValue();
  if (!(deviceArg >= 0 && deviceArg <= 1024) || deviceArg != static_cast<double>(static_cast<int>(deviceArg)))
    throwError(env, "ERR_BAD_INPUT", "device must be an integer in [0, 1024]");
  int device = static_cast<int>(deviceArg);
  // cudaHostAlloc can take long (first use initialises the CUDA context), so it runs off the JS thread.
  return queueWork<cuda::PinnedBuffer>(
      env, "trtjs.pinnedAlloc",
      [bytes, mapped, device] {
        cuda::PinnedBuffer buf;
        std::string err = cuda::allocPinned(bytes, mapped, device, buf);
        if (!err.empty()) throw CodedError("ERR_CUDA", err);
        return buf;
      },
      [](Napi::Env env, cuda::PinnedBuffer& buf) -> Napi::Value {
        Napi::ArrayBuffer ab;
        try {
          // The finalizer frees memory whose owner was garbage-collected without dispose(); freePinned ignores
          // pointers already released.
          ab = Napi::ArrayBuffer::New(env, buf.host, buf.bytes, [](Napi::Env, void* data) { cuda::freePinned(data); });
        } catch (...) {
          cuda::freePinned(buf.host);
          throw;
        }
        Napi::Object out = Napi::Object::New(env);
        out.Set("buffer", ab);
        out.Set("mapped", Napi::Boolean::New(env, buf.device != nullptr));
        return out;
      });
}

Napi::Value pinnedFree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) throwError(env, "ERR_BAD_INPUT", "pinnedFree(buffer: ArrayBuffer)");
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  if (ab.IsDetached()) return env.Undefined();
  void* host = ab.Data();
  ab.Detach();
  cuda::freePinned(host);
  return env.Undefined();
}

Napi::Value pinnedBytesInUse(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(cuda::pinnedBytesInUse())); }

}  // namespace
#endif

void registerPinned(Napi::Env env, Napi::Object exports) {
#ifdef TRTJS_WITH_CUDA
  exports.Set("pinnedAlloc", Napi::Function::New(env, pinnedAlloc, "pinnedAlloc"));
  exports.Set("pinnedFree", Napi::Function::New(env, pinnedFree, "pinnedFree"));
  exports.Set("pinnedBytesInUse", Napi::Function::New(env, pinnedBytesInUse, "pinnedBytesInUse"));
#else
  (void)env;
  (void)exports;
#endif
}

}  // namespace trtjs::napi
