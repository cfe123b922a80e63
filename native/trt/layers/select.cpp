#include "trt/layers/select.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>

#include "common/coded_error.h"
#include "trt/layers/search.h"

// TRTJS_TRT_LAYER_LIST is defined by the build: TRTJS_TRT_LAYER(10) TRTJS_TRT_LAYER(11) for each compiled major.
#ifndef TRTJS_TRT_LAYER_LIST
#error "TRTJS_TRT_LAYER_LIST must name the compiled TensorRT majors"
#endif

#define TRTJS_TRT_LAYER(major)  \
  namespace trtjs::trt##major { \
    const trt::Layer& layer();  \
  }
TRTJS_TRT_LAYER_LIST
#undef TRTJS_TRT_LAYER

namespace trtjs::trt {

namespace {

constexpr const char* kMajorEnv = "TRTJS_TENSORRT_MAJOR";

// TensorRT majors a libnvinfer.so.<major> may exist for (there was no 9.x for x86-64 or Jetson).
constexpr int kKnownMajors[] = {12, 11, 10, 9, 8, 7};

std::string layerList() {
  std::string out;
  const auto& layers = compiledLayers();
  for (size_t i = 0; i < layers.size(); ++i) {
    if (i) out += i + 1 == layers.size() ? " and " : ", ";
    out += std::to_string(layers[i]->major) + ".x (headers " + layers[i]->headers + ")";
  }
  return out;
}

std::string majorsText(const char* joiner) {
  std::string out;
  const auto& layers = compiledLayers();
  for (size_t i = 0; i < layers.size(); ++i) {
    if (i) out += i + 1 == layers.size() ? joiner : ", ";
    out += std::to_string(layers[i]->major) + ".x";
  }
  return out;
}

bool compiled(int major) {
  for (const Layer* l : compiledLayers())
    if (l->major == major) return true;
  return false;
}

// The rebuild that compiles a layer against the TensorRT installed at `libraryPath` (run where trtjs is a dependency).
std::string rebuildFor(const std::string& libraryPath, const std::string& version) {
  const std::string root = headersRootFor(libraryPath);
  if (root.empty()) return "`npm rebuild trtjs` (its headers are in the system include path; the build needs CMake and nvcc)";
  if (root != "?") return "`TENSORRT_ROOT=" + root + " npm rebuild trtjs` (the build needs CMake and nvcc)";
  return "installing TensorRT " + version +
         "'s headers (NvInfer.h, NvOnnxParser.h: NVIDIA's libnvinfer-dev and libnvonnxparsers-dev, or the tarball's include/), then `TENSORRT_ROOT=<that "
         "install> npm rebuild trtjs`";
}

Version parseVersion(const std::string& text) {
  Version v;
  std::sscanf(text.c_str(), "%d.%d.%d", &v.major, &v.minor, &v.patch);
  return v;
}

struct Foreign {
  std::string version, path;
};

// A libnvinfer of a major no layer serves, where the compiled ones would have looked.
Foreign findForeign() {
  std::vector<std::string> paths;
  for (int major : kKnownMajors) {
    if (compiled(major)) continue;
    for (const std::string& p : candidates("libnvinfer", major, ""))
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
  }
  Foreign out;
  openFirst(paths, [&](void* h, const std::string& name) -> std::string {
    auto version = reinterpret_cast<VersionFn>(dlsym(h, "getInferLibVersion"));
    if (!version) return "no getInferLibVersion";
    Version v = decodeVersion(version());
    if (compiled(v.major)) return "compiled";  // a layer already looked at it
    out.version = v.str();
    out.path = realPathOf(h);
    if (out.path.empty()) out.path = name;
    return "found";  // never kept open
  });
  return out;
}

void select(Selection& s) {
  const auto& layers = compiledLayers();
  std::vector<const Layer*> tried = layers;
  if (const char* env = std::getenv(kMajorEnv); env && *env) {
    const Layer* wanted = nullptr;
    for (const Layer* l : layers)
      if (std::to_string(l->major) == env) wanted = l;
    if (!wanted) {
      s.error = std::string(kMajorEnv) + "=" + env + " asks for a TensorRT layer this trtjs binary does not have: it has " + layerList() +
                ". Unset it, or rebuild trtjs against that TensorRT's headers (`TENSORRT_ROOT=<its install> npm rebuild trtjs`).";
      return;
    }
    tried = {wanted};
  }
  for (const Layer* l : tried) {
    if (l->status().loaded) {
      s.layer = l;
      return;
    }
  }

  // Nothing usable. The most useful headline first: a library of a compiled major that was refused, then one of a
  // major not compiled in, then "not found" with every path tried.
  std::string details;
  for (const Layer* l : tried) details += "\n" + std::to_string(l->major) + ".x layer: " + l->status().error;
  for (const Layer* l : tried) {
    const LibraryStatus& st = l->status();
    if (st.refusedVersion.empty()) continue;
    const std::string& rv = st.refusedVersion;
    const Version v = parseVersion(rv);
    if (v.major == l->major && v.minor < l->headersMinor) {
      s.error = "TensorRT " + rv + " was found at " + st.refusedPath + ", but this trtjs binary's " + std::to_string(l->major) +
                ".x layer was compiled against TensorRT " + l->headers + " headers and needs " + std::to_string(l->major) + "." +
                std::to_string(l->headersMinor) + " or newer. Upgrade TensorRT, or add a layer for " + rv + " by " + rebuildFor(st.refusedPath, rv) + "." +
                details;
    } else if (v.major == l->major) {
      s.error = "TensorRT " + rv + " was found at " + st.refusedPath + " but cannot be used (see below): reinstall it, or point " + std::string(kLibDirEnv) +
                " at a complete TensorRT " + std::to_string(l->major) + ".x." + details;
    } else {
      s.error = "TensorRT " + rv + " was found at " + st.refusedPath + ", but this trtjs binary has TensorRT layers for " + layerList() +
                " only (TensorRT's C++ interface differs between majors). Add a layer for it by " + rebuildFor(st.refusedPath, rv) + "." + details;
    }
    return;
  }
  Foreign foreign = findForeign();
  if (!foreign.version.empty()) {
    s.error = "TensorRT " + foreign.version + " was found at " + foreign.path + ", but this trtjs binary has TensorRT layers for " + layerList() +
              " only (TensorRT's C++ interface differs between majors). Add a layer for it by " + rebuildFor(foreign.path, foreign.version) +
              ", or install TensorRT " + majorsText(" or ") + "." + details;
    return;
  }
  s.error = "TensorRT not found: this trtjs binary has layers for TensorRT " + majorsText(" and ") + ". Install one of them and put its lib directory in " +
            std::string(kLibDirEnv) + " or LD_LIBRARY_PATH (or register it with ldconfig)." + details;
}

}  // namespace

const std::vector<const Layer*>& compiledLayers() {
  static const std::vector<const Layer*>* layers = [] {
    auto* v = new std::vector<const Layer*>{
#define TRTJS_TRT_LAYER(major) &trtjs::trt##major::layer(),
        TRTJS_TRT_LAYER_LIST
#undef TRTJS_TRT_LAYER
    };
    std::sort(v->begin(), v->end(), [](const Layer* a, const Layer* b) { return a->major > b->major; });
    return v;
  }();
  return *layers;
}

std::string compiledHeaders() {
  std::string out;
  for (const Layer* l : compiledLayers()) out += (out.empty() ? "" : ",") + l->headers;
  return out;
}

const Selection& selection() {
  // Never destroyed, like the layers' own state: a worker thread may still ask while static destructors run.
  alignas(Selection) static unsigned char storage[sizeof(Selection)];
  static Selection* s = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    s = new (storage) Selection;
    try {
      select(*s);
    } catch (...) {
      s->layer = nullptr;
      try {
        s->error = "TensorRT could not be loaded: out of memory";
      } catch (...) {
      }
    }
  });
  return *s;
}

const Layer& activeLayer() {
  const Selection& s = selection();
  if (!s.layer) throw CodedError("ERR_TRT_UNAVAILABLE", s.error);
  return *s.layer;
}

}  // namespace trtjs::trt
