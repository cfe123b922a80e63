// What this binary was built with, and what the machine offers at run time.
#include <string>

#include "napi/async.h"
#include "napi/register.h"

#ifdef TRTJS_WITH_CUDA
#include "cuda/device.h"
#endif
#ifdef TRTJS_WITH_TENSORRT
#include "trt/layers/select.h"
#endif

namespace trtjs::napi {

namespace {

Napi::Value buildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("layers", Napi::String::New(env, TRTJS_LAYERS));
#ifdef TRTJS_WITH_CUDA
  out.Set("cudaToolkit", Napi::String::New(env, TRTJS_CUDA_TOOLKIT));
  out.Set("cudaArchs", Napi::String::New(env, TRTJS_CUDA_ARCHS));
#endif
#ifdef TRTJS_WITH_TENSORRT
  out.Set("tensorrtLayers", Napi::String::New(env, trt::compiledHeaders()));
#endif
#if defined(__VERSION__)
  out.Set("compiler", Napi::String::New(env, __VERSION__));
#endif
  return out;
}

#ifdef TRTJS_WITH_CUDA
Napi::Value cudaInfo(const Napi::CallbackInfo& info) {
  return queueWork<cuda::Report>(
      info.Env(), "trtjs.cudaInfo", [] { return cuda::queryDevices(); },
      [](Napi::Env env, cuda::Report& r) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("available", Napi::Boolean::New(env, r.available));
        out.Set("error", Napi::String::New(env, r.error));
        out.Set("driverVersion", Napi::String::New(env, cuda::versionString(r.driverVersion)));
        out.Set("runtimeVersion", Napi::String::New(env, cuda::versionString(r.runtimeVersion)));
        Napi::Array devices = Napi::Array::New(env, r.devices.size());
        for (size_t i = 0; i < r.devices.size(); ++i) {
          const cuda::DeviceInfo& d = r.devices[i];
          Napi::Object o = Napi::Object::New(env);
          o.Set("index", d.index);
          o.Set("name", d.name);
          o.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
          o.Set("totalMemory", Napi::Number::New(env, static_cast<double>(d.totalMemory)));
          o.Set("multiProcessors", d.multiProcessors);
          o.Set("integrated", d.integrated);
          o.Set("canMapHostMemory", d.canMapHostMemory);
          o.Set("pciBusId", d.pciBusId);
          devices.Set(i, o);
        }
        out.Set("devices", devices);
        return out;
      });
}

Napi::Value cudaSelfTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throwError(env, "ERR_BAD_INPUT", "device must be a number");
  int device = info[0].As<Napi::Number>().Int32Value();
  return queueWork<std::string>(
      env, "trtjs.cudaSelfTest", [device] { return cuda::selfTest(device); },
      [](Napi::Env env, std::string& error) -> Napi::Value { return Napi::String::New(env, error); });
}

Napi::Value cudaMemoryInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throwError(env, "ERR_BAD_INPUT", "device must be a number");
  int device = info[0].As<Napi::Number>().Int32Value();
  struct Memory {
    size_t free = 0, total = 0;
  };
  return queueWork<Memory>(
      env, "trtjs.cudaMemoryInfo",
      [device] {
        Memory m;
        std::string err = cuda::memoryInfo(device, m.free, m.total);
        if (!err.empty()) throw CodedError("ERR_CUDA", "cudaMemGetInfo(" + std::to_string(device) + "): " + err);
        return m;
      },
      [](Napi::Env env, Memory& m) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("free", Napi::Number::New(env, static_cast<double>(m.free)));
        out.Set("total", Napi::Number::New(env, static_cast<double>(m.total)));
        return out;
      });
}
#endif

#ifdef TRTJS_WITH_TENSORRT
Napi::Value tensorrtInfo(const Napi::CallbackInfo& info) {
  struct Report {
    trt::LibraryStatus s;
    std::string layer;  // headers of the layer serving the libnvinfer found; "" when none
  };
  return queueWork<Report>(
      info.Env(), "trtjs.tensorrtInfo",
      [] {
        const trt::Selection& sel = trt::selection();
        Report r;
        if (sel.layer) {
          r.s = sel.layer->status();
          r.layer = sel.layer->headers;
        } else {
          r.s.error = sel.error;
        }
        return r;
      },
      [](Napi::Env env, Report& r) -> Napi::Value {
        const trt::LibraryStatus& s = r.s;
        Napi::Object out = Napi::Object::New(env);
        out.Set("loaded", Napi::Boolean::New(env, s.loaded));
        out.Set("version", Napi::String::New(env, s.version));
        out.Set("libraryPath", Napi::String::New(env, s.inferPath));
        out.Set("error", Napi::String::New(env, s.error));
        out.Set("parserLoaded", Napi::Boolean::New(env, s.parserLoaded));
        out.Set("parserPath", Napi::String::New(env, s.parserPath));
        out.Set("parserError", Napi::String::New(env, s.parserError));
        out.Set("pluginsLoaded", Napi::Boolean::New(env, s.pluginsLoaded));
        out.Set("pluginsPath", Napi::String::New(env, s.pluginsPath));
        out.Set("pluginsError", Napi::String::New(env, s.pluginsError));
        Napi::Array resources = Napi::Array::New(env, s.builderResources.size());
        for (size_t i = 0; i < s.builderResources.size(); ++i) resources.Set(static_cast<uint32_t>(i), s.builderResources[i]);
        out.Set("builderResources", resources);
        out.Set("builderError", Napi::String::New(env, s.builderError));
        out.Set("layer", Napi::String::New(env, r.layer));
        return out;
      });
}
#endif

}  // namespace

void registerCapabilities(Napi::Env env, Napi::Object exports) {
  exports.Set("buildInfo", Napi::Function::New(env, buildInfo, "buildInfo"));
#ifdef TRTJS_WITH_CUDA
  exports.Set("cudaInfo", Napi::Function::New(env, cudaInfo, "cudaInfo"));
  exports.Set("cudaSelfTest", Napi::Function::New(env, cudaSelfTest, "cudaSelfTest"));
  exports.Set("cudaMemoryInfo", Napi::Function::New(env, cudaMemoryInfo, "cudaMemoryInfo"));
#endif
#ifdef TRTJS_WITH_TENSORRT
  exports.Set("tensorrtInfo", Napi::Function::New(env, tensorrtInfo, "tensorrtInfo"));
#endif
}

}  // namespace trtjs::napi
