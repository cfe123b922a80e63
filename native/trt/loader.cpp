#include "trt/loader.h"

#include "trt/logger.h"

#include <dlfcn.h>
#include <link.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace trtjs::trt {

namespace {

// Directories tried, in order, after the dynamic loader's own search (LD_LIBRARY_PATH, ldconfig cache), for
// installs that are not registered with ldconfig: NVIDIA's Debian packages and JetPack, tarballs, containers.
const char* const kSearchDirs[] = {
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",  // Jetson
    "/usr/local/tensorrt/lib",
    "/opt/tensorrt/lib",
    "/usr/local/cuda/lib64",
};
const char* const kLibDirEnv = "TRTJS_TENSORRT_LIB_DIR";

// The entry points as NvInfer.h, NvInferRuntime.h, NvInferRuntimeBase.h and NvOnnxParser.h declare them, the same in
// 8.6, 10.x and 11.x (noexcept from 10 on; calling a noexcept function through these types is well defined).
using CreateFn = void* (*)(void* logger, int32_t version);
using CreateParserFn = void* (*)(void* network, void* logger, int version);
using VersionFn = int32_t (*)();
using InitPluginsFn = bool (*)(void* logger, char const* libNamespace);

struct State {
  LibraryStatus status;
  VersionFn inferVersion = nullptr;
  CreateFn createBuilder = nullptr;
  CreateFn createRuntime = nullptr;
  CreateParserFn createParser = nullptr;
};

// Not named major(): older glibc defines a major() macro in <sys/sysmacros.h>.
std::string majorText() { return std::to_string(NV_TENSORRT_MAJOR); }

// getInferLibVersion() is MAJOR*1000 + MINOR*100 + PATCH up to 8.x (kNV_TENSORRT_VERSION_IMPL in 8.6's
// NvInferRuntimeBase.h) and MAJOR*10000 + MINOR*100 + PATCH from 10.0 (NV_TENSORRT_VERSION_INT). The old scheme
// never reaches 10000, so the value itself tells which one applies.
struct Version {
  int major = 0, minor = 0, patch = 0;
  std::string str() const { return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch); }
};
Version decodeVersion(int32_t v) {
  if (v >= 10000) return {v / 10000, v / 100 % 100, v % 100};
  return {v / 1000, v / 100 % 10, v % 100};
}

// The file a handle really is: the loader's record of it (the path it found for a bare soname), symlinks resolved.
std::string realPathOf(void* handle) {
  struct link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map || !map->l_name) return "";
  char* resolved = realpath(map->l_name, nullptr);
  std::string out = resolved ? resolved : map->l_name;
  std::free(resolved);
  return out;
}

// How a message names a library: as asked for, and where it was found when that differs.
std::string describe(const std::string& asked, const std::string& real) {
  return real.empty() || real == asked ? asked : asked + " at " + real;
}

std::string dirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Where to look for `base`: TRTJS_TENSORRT_LIB_DIR alone when set (a pinned install is never mixed with another
// one; its unversioned dev symlink too, for tarballs unpacked without the soname links); otherwise `firstDir`
// (the parser goes next to the libnvinfer already opened), the bare soname, then kSearchDirs.
std::vector<std::string> candidates(const std::string& base, const std::string& firstDir) {
  const std::string soname = base + ".so." + majorText();
  if (const char* env = std::getenv(kLibDirEnv); env && *env) {
    std::string dir = env;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return {dir + "/" + soname, dir + "/" + base + ".so"};
  }
  std::vector<std::string> out;
  auto add = [&out](const std::string& path) {
    for (const std::string& p : out)
      if (p == path) return;
    out.push_back(path);
  };
  if (!firstDir.empty()) add(firstDir + "/" + soname);
  add(soname);
  for (const char* dir : kSearchDirs) add(std::string(dir) + "/" + soname);
  return out;
}

struct Opened {
  void* handle = nullptr;
  std::string path;     // real path
  std::string tried;    // one line per candidate that failed, each saying why
  std::string refusal;  // the first library that was opened but refused, if any: the most useful headline
};

// Opens the candidates in turn and keeps the first one `accept` takes. accept(handle, name) returns "" to keep
// the handle, or why it refuses it; a refused handle is closed before anything else in it is called.
template <class Accept>
Opened openFirst(const std::vector<std::string>& paths, Accept accept) {
  Opened out;
  for (const std::string& path : paths) {
    dlerror();
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* err = dlerror();
      std::string why = err ? err : "cannot be opened";
      // dlerror names the file it could not open, which for a missing dependency is not `path`.
      out.tried += "\n  " + (why.compare(0, path.size(), path) == 0 ? why : path + ": " + why);
      continue;
    }
    std::string real = realPathOf(handle);
    std::string refused = accept(handle, describe(path, real));
    if (refused.empty()) {
      out.handle = handle;
      out.path = real.empty() ? path : real;
      return out;
    }
    dlclose(handle);
    out.tried += "\n  " + refused;
    if (out.refusal.empty()) out.refusal = refused;
  }
  return out;
}

template <class Fn>
Fn symbol(void* handle, const char* name) {
  return reinterpret_cast<Fn>(dlsym(handle, name));
}

void loadInfer(State& s) {
  const std::string headers = compiledVersion();
  Version found;
  Opened lib = openFirst(candidates("libnvinfer", ""), [&](void* h, const std::string& name) -> std::string {
    auto version = symbol<VersionFn>(h, "getInferLibVersion");
    if (!version) return name + " has no symbol getInferLibVersion: not a TensorRT library";
    found = decodeVersion(version());
    if (found.major != NV_TENSORRT_MAJOR)
      return name + " is TensorRT " + found.str() + " but trtjs was compiled against TensorRT " + headers + " headers";
    // Headers newer than the library may call entry points it does not have (vtable slots added in later minors).
    if (found.minor < NV_TENSORRT_MINOR)
      return name + " is TensorRT " + found.str() + ", older than the TensorRT " + headers + " headers trtjs was compiled against (it needs " +
             majorText() + "." + std::to_string(NV_TENSORRT_MINOR) + " or newer)";
    auto builder = symbol<CreateFn>(h, "createInferBuilder_INTERNAL");
    auto runtime = symbol<CreateFn>(h, "createInferRuntime_INTERNAL");
    if (!builder || !runtime)
      return name + " (TensorRT " + found.str() + ") has no symbol " +
             (builder ? "createInferRuntime_INTERNAL" : "createInferBuilder_INTERNAL");
    s.inferVersion = version;
    s.createBuilder = builder;
    s.createRuntime = runtime;
    return "";
  });
  LibraryStatus& st = s.status;
  if (!lib.handle) {
    st.error = (lib.refusal.empty() ? "TensorRT " + majorText() + ".x not found: libnvinfer.so." + majorText() + " could not be opened"
                                    : lib.refusal) +
               ". trtjs needs TensorRT " + majorText() + ".x: install it and point " + kLibDirEnv +
               " or LD_LIBRARY_PATH at its lib directory, or rebuild trtjs with TENSORRT_ROOT set to the TensorRT you have. Tried:" +
               lib.tried;
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
  return name + " is linked against TensorRT " + decodeVersion(linked()).str() + " (" + where + "), not the TensorRT " + s.status.version +
         " opened at " + s.status.inferPath;
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
  Opened lib = openFirst(candidates(base, dirOf(s.status.inferPath)), [&](void* h, const std::string& name) -> std::string {
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
  Companion lib = openCompanion(s, "libnvonnxparser", "createNvOnnxParser_INTERNAL", " (TensorRT's ONNX parser)",
                                "engines can still be loaded and run, but not built");
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

void load(State& s) noexcept {
  try {
    loadInfer(s);
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

std::string compiledVersion() {
  return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." + std::to_string(NV_TENSORRT_PATCH);
}

const LibraryStatus& status() { return state().status; }

namespace {
std::mutex& factoryMutex() {
  static std::mutex* m = new std::mutex;  // never destroyed, like the state
  return *m;
}
}  // namespace

// The version argument is what the inline createInferBuilder() & co. of these headers pass: the library checks it.
nvinfer1::IBuilder* createBuilder() {
  const State& s = state();
  if (!s.createBuilder) return nullptr;
  std::lock_guard<std::mutex> lock(factoryMutex());
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

}  // namespace trtjs::trt
