#include "trt/loader.h"

#include "trt/builder.h"
#include "trt/inspect.h"
#include "trt/layers/search.h"
#include "trt/logger.h"
#include "trt/runtime.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace trtjs::TRTJS_TRT_NS {

using trt::decodeVersion;
using trt::Opened;
using trt::openFirst;
using trt::Version;
using trt::VersionFn;

namespace {

// The entry points as NvInfer.h, NvInferRuntime.h, NvInferRuntimeBase.h and NvOnnxParser.h declare them, the same in
// 8.5 to 11.x (noexcept from 10 on; calling a noexcept function through these types is well defined).
using CreateFn = void* (*)(void* logger, int32_t version);
using CreateParserFn = void* (*)(void* network, void* logger, int version);
using InitPluginsFn = bool (*)(void* logger, char const* libNamespace);

struct State {
  LibraryStatus status;
  bool resourcesOpen = false;  // builderResources were found by the dynamic loader's search, so are open already
  VersionFn inferVersion = nullptr;
  CreateFn createBuilder = nullptr;
  CreateFn createRuntime = nullptr;
  CreateParserFn createParser = nullptr;
};

template <class Fn>
Fn symbol(void* handle, const char* name) {
  return reinterpret_cast<Fn>(dlsym(handle, name));
}

std::string majorText() { return std::to_string(NV_TENSORRT_MAJOR); }

void loadInfer(State& s) {
  const std::string headers = compiledVersion();
  Version found;
  std::string refusedVersion, refusedPath;
  auto refuse = [&](const std::string& name, const std::string& why) {
    if (refusedVersion.empty()) {
      refusedVersion = found.str();
      refusedPath = name;
    }
    return name + why;
  };
  Opened lib = openFirst(trt::candidates("libnvinfer", NV_TENSORRT_MAJOR, ""), [&](void* h, const std::string& name) -> std::string {
    auto version = symbol<VersionFn>(h, "getInferLibVersion");
    if (!version) return name + " has no symbol getInferLibVersion: not a TensorRT library";
    found = decodeVersion(version());
    if (found.major != NV_TENSORRT_MAJOR)
      return refuse(name, " is TensorRT " + found.str() + ", not " + majorText() + ".x (the layer compiled against TensorRT " + headers + " headers)");
    // Headers newer than the library may call entry points it does not have (vtable slots added in later minors).
    if (found.minor < NV_TENSORRT_MINOR)
      return refuse(name, " is TensorRT " + found.str() + ", older than the TensorRT " + headers + " headers trtjs was compiled against (it needs " +
                              majorText() + "." + std::to_string(NV_TENSORRT_MINOR) + " or newer)");
    auto builder = symbol<CreateFn>(h, "createInferBuilder_INTERNAL");
    auto runtime = symbol<CreateFn>(h, "createInferRuntime_INTERNAL");
    if (!builder || !runtime)
      return refuse(name, " (TensorRT " + found.str() + ") has no symbol " + (builder ? "createInferRuntime_INTERNAL" : "createInferBuilder_INTERNAL"));
    s.inferVersion = version;
    s.createBuilder = builder;
    s.createRuntime = runtime;
    return "";
  });
  LibraryStatus& st = s.status;
  if (!lib.handle) {
    st.error = (lib.refusal.empty() ? "libnvinfer.so." + majorText() + " (TensorRT " + majorText() + ".x) not found" : lib.refusal) + ". Tried:" + lib.tried;
    st.refusedVersion = refusedVersion;
    st.refusedPath = refusedPath;
    return;
  }
  st.loaded = true;
  st.version = found.str();
  st.inferPath = lib.path;
}

// "" when the library `h` binds to the libnvinfer already open; otherwise why not. A library of this major binds to
// that copy (same soname); one of another major has pulled in its own.
std::string linkedToOpened(const State& s, void* h, const std::string& name) {
  auto linked = symbol<VersionFn>(h, "getInferLibVersion");
  if (!linked || linked == s.inferVersion) return "";
  Dl_info info{};
  std::string where = dladdr(reinterpret_cast<void*>(linked), &info) && info.dli_fname ? info.dli_fname : "another libnvinfer";
  return name + " is linked against TensorRT " + decodeVersion(linked()).str() + " (" + where + "), not the TensorRT " + s.status.version + " opened at " +
         s.status.inferPath;
}

struct Companion {
  void* entry = nullptr;
  std::string path, error;
};

// Opens a library that works with libnvinfer (the ONNX parser, the plugins): of the same major, next to the
// libnvinfer already open first, exporting `entry`, and bound to that libnvinfer (the parser's own version function
// says 0.1.0 in every release, so the libnvinfer it binds to is what tells its major). `what` qualifies the name in
// messages; `consequence` says what does not work without it.
Companion openCompanion(const State& s, const std::string& base, const char* entry, const std::string& what, const std::string& consequence) {
  Companion out;
  const std::string soname = base + ".so." + majorText();
  if (!s.status.loaded) {
    out.error = soname + " was not looked for: libnvinfer.so." + majorText() + " is not loaded";
    return out;
  }
  void* found = nullptr;
  Opened lib = openFirst(trt::candidates(base, NV_TENSORRT_MAJOR, trt::dirOf(s.status.inferPath)), [&](void* h, const std::string& name) -> std::string {
    found = dlsym(h, entry);
    if (!found) return name + " has no symbol " + entry;
    std::string refused = linkedToOpened(s, h, name);
    if (!refused.empty()) found = nullptr;
    return refused;
  });
  if (!lib.handle) {
    out.error = (lib.refusal.empty() ? soname + what + " could not be opened" : lib.refusal) + "; " + consequence + ". Tried:" + lib.tried;
    return out;
  }
  out.entry = found;
  out.path = lib.path;
  return out;
}

void loadParser(State& s) {
  Companion lib =
      openCompanion(s, "libnvonnxparser", "createNvOnnxParser_INTERNAL", " (TensorRT's ONNX parser)", "engines can still be loaded and run, but not built");
  LibraryStatus& st = s.status;
  if (!lib.entry) {
    st.parserError = lib.error;
    return;
  }
  s.createParser = reinterpret_cast<CreateParserFn>(lib.entry);
  st.parserLoaded = true;
  st.parserPath = lib.path;
}

// trtexec's way: the plugin library of the same major, registered once with the process logger. Optional.
void loadPlugins(State& s) {
  Companion lib = openCompanion(s, "libnvinfer_plugin", "initLibNvInferPlugins", "", "models that use TensorRT's standard plugins cannot be built or run");
  LibraryStatus& st = s.status;
  if (!lib.entry) {
    st.pluginsError = lib.error;
    return;
  }
  auto init = reinterpret_cast<InitPluginsFn>(lib.entry);
  bool registered = false;
  try {
    registered = init(&processLogger(), "");
  } catch (const std::exception& e) {
    st.pluginsError = lib.path + ": initLibNvInferPlugins threw: " + e.what();
    return;
  } catch (...) {
    st.pluginsError = lib.path + ": initLibNvInferPlugins threw";
    return;
  }
  if (!registered) {
    st.pluginsError = lib.path + ": initLibNvInferPlugins failed";
    return;
  }
  st.pluginsLoaded = true;
  st.pluginsPath = lib.path;
}

// Where libnvinfer's dlopen of its builder resource by bare name finds it: already open (by any path: the dynamic
// loader matches a bare name against the sonames of what is loaded), or through LD_LIBRARY_PATH and the ldconfig
// cache. An install reached by full path (TRTJS_TENSORRT_LIB_DIR, the fallback directories, tarballs, pip wheels) is
// in neither, so the files next to libnvinfer are preloaded by full path before the first builder, as NVIDIA's own
// wheel preloads its folder. Only looked for here (a directory listing); opened by createBuilder().
void findBuilderResources(State& s) {
  LibraryStatus& st = s.status;
  if (!st.loaded) return;
  std::vector<std::string> dirs = {trt::dirOf(st.inferPath)};
  if (const char* env = std::getenv("LD_LIBRARY_PATH"); env && !std::getenv(trt::kLibDirEnv)) {
    std::string list = env;
    for (size_t start = 0; start <= list.size();) {
      size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      if (end > start) dirs.push_back(list.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const std::string& dir : dirs) {
    st.builderResources = trt::builderResourcesIn(dir, st.version);
    if (!st.builderResources.empty()) return;
  }
  const std::string bare = "libnvinfer_builder_resource.so." + st.version;
  dlerror();
  if (void* h = dlopen(bare.c_str(), RTLD_NOW | RTLD_LOCAL)) {
    std::string real = trt::realPathOf(h);
    st.builderResources = {real.empty() ? bare : real};
    s.resourcesOpen = true;  // kept open: libnvinfer's own dlopen then finds it by its soname
    return;
  }
  const char* why = dlerror();
  st.builderError = bare + " (TensorRT's builder kernels) is neither next to " + st.inferPath + " nor found by the dynamic loader (" +
                    (why ? why : "not found") +
                    "): engines can be loaded and run here, but not built. Install TensorRT's builder resource "
                    "library (NVIDIA's libnvinfer" +
                    majorText() + " package, or the lib/ folder of the tarball or pip wheel) next to libnvinfer.";
}

void load(State& s) noexcept {
  try {
    loadInfer(s);
    findBuilderResources(s);
    loadParser(s);
    loadPlugins(s);
  } catch (...) {
    // Only allocation can fail in here: report nothing usable rather than a half-filled state.
    s = State{};
    try {
      s.status.error = s.status.parserError = "TensorRT could not be loaded: out of memory";
    } catch (...) {
    }
  }
}

const State& state() {
  // Built in static storage and never destroyed: a worker thread may still reach a factory while static destructors
  // run at process exit. State's default constructor cannot throw, so status() cannot either.
  alignas(State) static unsigned char storage[sizeof(State)];
  static State* s = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    s = new (storage) State;
    load(*s);
  });
  return *s;
}

}  // namespace

int compiledMajor() { return NV_TENSORRT_MAJOR; }

std::string compiledVersion() { return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." + std::to_string(NV_TENSORRT_PATCH); }

const LibraryStatus& status() { return state().status; }

namespace {
std::shared_ptr<trt::Engine> loadEngine(const uint8_t* plan, size_t size, int device, const LoadOptions& options) {
  return std::make_shared<EngineRuntime>(plan, size, device, options);
}
}  // namespace

const trt::Layer& layer() {
  static const trt::Layer* l = new trt::Layer{NV_TENSORRT_MAJOR, compiledVersion(), NV_TENSORRT_MINOR, &status, &buildEngine, &inspectEngine, &loadEngine};
  return *l;
}

namespace {
std::mutex& factoryMutex() {
  static std::mutex* m = new std::mutex;  // never destroyed, like the state
  return *m;
}
}  // namespace

// The builder resources found next to libnvinfer, opened by full path once (and never closed): libnvinfer's dlopen by
// bare name then finds them among what is loaded. "" when all opened, else what failed. Called under factoryMutex().
const std::string& preloadBuilderResources(const State& s) {
  static std::string* errors = new std::string;  // never destroyed, like the state
  static bool done = false;
  if (done || s.resourcesOpen) return *errors;
  done = true;
  for (const std::string& path : s.status.builderResources) {
    dlerror();
    if (!dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      const char* why = dlerror();
      *errors += "\n  " + (why ? std::string(why) : path + ": cannot be opened");
    }
  }
  return *errors;
}

// The version argument is what the inline createInferBuilder() & co. of these headers pass: the library checks it.
nvinfer1::IBuilder* createBuilder(std::string* preloadErrors) {
  const State& s = state();
  if (!s.createBuilder) return nullptr;
  std::lock_guard<std::mutex> lock(factoryMutex());
  const std::string& errors = preloadBuilderResources(s);
  if (preloadErrors) *preloadErrors = errors;
  return static_cast<nvinfer1::IBuilder*>(s.createBuilder(&processLogger(), static_cast<int32_t>(NV_TENSORRT_VERSION)));
}

nvinfer1::IRuntime* createRuntime() {
  const State& s = state();
  if (!s.createRuntime) return nullptr;
  std::lock_guard<std::mutex> lock(factoryMutex());
  return static_cast<nvinfer1::IRuntime*>(s.createRuntime(&processLogger(), static_cast<int32_t>(NV_TENSORRT_VERSION)));
}

nvonnxparser::IParser* createParser(nvinfer1::INetworkDefinition& network) {
  const State& s = state();
  if (!s.createParser) return nullptr;
  std::lock_guard<std::mutex> lock(factoryMutex());
  return static_cast<nvonnxparser::IParser*>(s.createParser(&network, &processLogger(), NV_ONNX_PARSER_VERSION));
}

}  // namespace trtjs::TRTJS_TRT_NS
