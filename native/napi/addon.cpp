// Entry point. Context-aware (no per-process JS state), so the addon loads in worker_threads too.
#include <napi.h>

#include "napi/register.h"

namespace {
Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::String::New(env, TRTJS_VERSION));
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  trtjs::napi::registerCapabilities(env, exports);
  trtjs::napi::registerConstants(env, exports);
  trtjs::napi::registerPinned(env, exports);
  trtjs::napi::registerOps(env, exports);
  trtjs::napi::registerTasks(env, exports);
  trtjs::napi::registerCudaOps(env, exports);
  trtjs::napi::registerCudaCompletion(env, exports);
  trtjs::napi::registerNvml(env, exports);
#ifdef TRTJS_WITH_TENSORRT
  trtjs::napi::registerBuild(env, exports);
  trtjs::napi::registerEngine(env, exports);
#endif
  return exports;
}
}  // namespace

NODE_API_MODULE(trtjs, init)
