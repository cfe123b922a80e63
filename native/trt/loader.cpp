#include "trt/loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace trtjs::trt {

namespace {

using CreateFn = void* (*)(void*, int32_t);
using CreateParserFn = void* (*)(void*, void*, int);
using VersionFn = int32_t (*)();

// Where TensorRT is installed by NVIDIA's Debian/RPM packages, JetPack, tarballs and containers; the plain
// soname first, so LD_LIBRARY_PATH and ldconfig win.
const char* const kSearchDirs[] = {"", "/usr/lib/x86_64-linux-gnu/", "/usr/lib/aarch64-linux-gnu/", "/usr/local/tensorrt/lib/",
                                   "/opt/tensorrt/lib/", "/usr/local/cuda/lib64/", "/usr/lib64/"};

struct Library {
  void* handle = nullptr;
  std::string path;
};

struct State {
  LibraryStatus status;
  CreateFn createBuilder = nullptr;
  CreateFn createRuntime = nullptr;
  CreateParserFn createParser = nullptr;
};

std::string realPath(void* symbol) {
  Dl_info info{};
  if (symbol && dladdr(symbol, &info) && info.dli_fname) {
    char* resolved = realpath(info.dli_fname, nullptr);
    std::string out = resolved ? resolved : info.dli_fname;
    std::free(resolved);
    return out;
  }
  return "";
}

std::vector<std::string> candidates(const std::string& base) {
  const std::string soname = base + ".so." + std::to_string(NV_TENSORRT_MAJOR);
  std::vector<std::string> out;
  if (const char* dir = std::getenv("TRTJS_TENSORRT_LIB_DIR"); dir && *dir) {
    std::string d = dir;
    if (d.back() != '/') d += '/';
    out.push_back(d + soname);
    out.push_back(d + base + ".so");
    return out;
  }
  for (const char* dir : kSearchDirs) out.push_back(std::string(dir) + soname);
  return out;
}

// Opens the first candidate that loads; `tried` collects each failure.
Library open(const std::string& base, std::string& tried) {
  for (const std::string& path : candidates(base)) {
    dlerror();
    if (void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return {h, path};
    const char* err = dlerror();
    tried += "\n  " + (err ? std::string(err) : path + ": not loadable");
  }
  return {};
}

// getInferLibVersion: MAJOR*1000+MINOR*100+PATCH up to 8.x, MAJOR*10000+MINOR*100+PATCH from 10.
void decodeVersion(int32_t v, int& major, int& minor, int& patch) {
  if (v >= 10000) {
    major = v / 10000, minor = (v / 100) % 100, patch = v % 100;
  } else {
    major = v / 1000, minor = (v / 100) % 10, patch = v % 100;
  }
}

State load() {
  State s;
  LibraryStatus& st = s.status;
  std::string tried;
  Library infer = open("libnvinfer", tried);
  if (!infer.handle) {
    st.error = "TensorRT " + std::to_string(NV_TENSORRT_MAJOR) + ".x not found (libnvinfer.so." + std::to_string(NV_TENSORRT_MAJOR) +
               " could not be opened; set TRTJS_TENSORRT_LIB_DIR or LD_LIBRARY_PATH). Tried:" + tried;
    st.parserError = st.error;
    return s;
  }
  auto version = reinterpret_cast<VersionFn>(dlsym(infer.handle, "getInferLibVersion"));
  if (!version) {
    st.error = infer.path + " has no getInferLibVersion symbol: not a TensorRT library";
    dlclose(infer.handle);
    return s;
  }
  int major = 0, minor = 0, patch = 0;
  decodeVersion(version(), major, minor, patch);
  std::string found = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  std::string path = realPath(reinterpret_cast<void*>(version));
  if (major != NV_TENSORRT_MAJOR) {
    // A different major has another ABI: never call into it.
    st.error = path + " is TensorRT " + found + " but trtjs was compiled against TensorRT " + compiledVersion() +
               " headers; install TensorRT " + std::to_string(NV_TENSORRT_MAJOR) + ".x or rebuild trtjs with TENSORRT_ROOT pointing at TensorRT " +
               std::to_string(major) + ".x";
    st.parserError = st.error;
    dlclose(infer.handle);
    return s;
  }
  s.createBuilder = reinterpret_cast<CreateFn>(dlsym(infer.handle, "createInferBuilder_INTERNAL"));
  s.createRuntime = reinterpret_cast<CreateFn>(dlsym(infer.handle, "createInferRuntime_INTERNAL"));
  if (!s.createBuilder || !s.createRuntime) {
    st.error = path + ": missing symbol " + (s.createBuilder ? "createInferRuntime_INTERNAL" : "createInferBuilder_INTERNAL");
    dlclose(infer.handle);
    return s;
  }
  st.loaded = true;
  st.version = found;
  st.inferPath = path;

  // The parser's own dependency on libnvinfer resolves to the copy just opened (matched by soname).
  std::string parserTried;
  Library parser = open("libnvonnxparser", parserTried);
  if (!parser.handle) {
    st.parserError = "libnvonnxparser.so." + std::to_string(NV_TENSORRT_MAJOR) + " (TensorRT's ONNX parser) could not be opened. Tried:" + parserTried;
    return s;
  }
  s.createParser = reinterpret_cast<CreateParserFn>(dlsym(parser.handle, "createNvOnnxParser_INTERNAL"));
  if (!s.createParser) {
    st.parserError = parser.path + ": missing symbol createNvOnnxParser_INTERNAL";
    dlclose(parser.handle);
    return s;
  }
  st.parserLoaded = true;
  st.parserPath = realPath(reinterpret_cast<void*>(s.createParser));
  return s;
}

const State& state() {
  static std::once_flag once;
  static State s;
  std::call_once(once, [] { s = load(); });
  return s;
}

}  // namespace

int compiledMajor() { return NV_TENSORRT_MAJOR; }

std::string compiledVersion() {
  return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." + std::to_string(NV_TENSORRT_PATCH);
}

const LibraryStatus& status() { return state().status; }

nvinfer1::IBuilder* createBuilder(nvinfer1::ILogger& logger) {
  const State& s = state();
  return s.createBuilder ? static_cast<nvinfer1::IBuilder*>(s.createBuilder(&logger, NV_TENSORRT_VERSION)) : nullptr;
}

nvinfer1::IRuntime* createRuntime(nvinfer1::ILogger& logger) {
  const State& s = state();
  return s.createRuntime ? static_cast<nvinfer1::IRuntime*>(s.createRuntime(&logger, NV_TENSORRT_VERSION)) : nullptr;
}

nvonnxparser::IParser* createParser(nvinfer1::INetworkDefinition& network, nvinfer1::ILogger& logger) {
  const State& s = state();
  return s.createParser ? static_cast<nvonnxparser::IParser*>(s.createParser(&network, &logger, NV_ONNX_PARSER_VERSION)) : nullptr;
}

}  // namespace trtjs::trt
