// nvmlRead(pciBusId, index) → Promise of one NVML sample of that device (native/cuda/nvml.h). Only in builds with the
// CUDA layer: NVML is read for the CUDA devices trtjs runs on; without CUDA the bench reports NVML as unknown.
#include "napi/async.h"
#include "napi/register.h"

#ifdef TRTJS_WITH_CUDA
#include "cuda/nvml.h"
#endif

namespace trtjs::napi {

#ifdef TRTJS_WITH_CUDA
namespace {

Napi::Value readingToJs(Napi::Env env, const cuda::NvmlReading& r) {
  Napi::Object o = Napi::Object::New(env);
  if (r.ok)
    o.Set("value", r.value);
  else
    o.Set("error", r.error);
  return o;
}

Napi::Value nvmlRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) throwError(env, "ERR_BAD_INPUT", "nvmlRead(pciBusId, index) expected");
  std::string bus = info[0].As<Napi::String>().Utf8Value();
  const int64_t index = info[1].As<Napi::Number>().Int64Value();
  if (index < 0 || index > 1024) throwError(env, "ERR_BAD_INPUT", "index must be in [0, 1024]");
  return queueWork<cuda::NvmlSample>(
      env, "trtjs.nvmlRead", [bus, index] { return cuda::readNvml(bus, static_cast<unsigned>(index)); },
      [](Napi::Env env, cuda::NvmlSample& s) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("error", s.error);
        o.Set("library", s.library);
        o.Set("driverVersion", s.driverVersion);
        o.Set("name", s.name);
        o.Set("smClockMHz", readingToJs(env, s.smClockMHz));
        o.Set("memoryClockMHz", readingToJs(env, s.memoryClockMHz));
        o.Set("graphicsClockMHz", readingToJs(env, s.graphicsClockMHz));
        o.Set("maxSmClockMHz", readingToJs(env, s.maxSmClockMHz));
        o.Set("maxMemoryClockMHz", readingToJs(env, s.maxMemoryClockMHz));
        o.Set("temperatureC", readingToJs(env, s.temperatureC));
        o.Set("powerW", readingToJs(env, s.powerW));
        o.Set("powerLimitW", readingToJs(env, s.powerLimitW));
        o.Set("gpuUtilizationPercent", readingToJs(env, s.gpuUtilizationPercent));
        o.Set("memoryUtilizationPercent", readingToJs(env, s.memoryUtilizationPercent));
        o.Set("performanceState", readingToJs(env, s.performanceState));
        o.Set("clockEventReasons", readingToJs(env, s.clockEventReasons));
        return o;
      });
}

}  // namespace
#endif

void registerNvml([[maybe_unused]] Napi::Env env, [[maybe_unused]] Napi::Object exports) {
#ifdef TRTJS_WITH_CUDA
  exports.Set("nvmlRead", Napi::Function::New(env, nvmlRead, "nvmlRead"));
#endif
}

}  // namespace trtjs::napi
