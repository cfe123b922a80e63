// Finding and opening TensorRT's libraries (dlopen, never linked), for every layer and for the run-time choice
// between layers. Knows nothing of TensorRT's headers: it deals in file names, handles and version numbers.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace trtjs::trt {

// Pins the directory TensorRT's libraries are taken from (nothing else is searched then).
constexpr const char* kLibDirEnv = "TRTJS_TENSORRT_LIB_DIR";

struct Version {
  int major = 0, minor = 0, patch = 0;
  std::string str() const;
};

// getInferLibVersion() is MAJOR*1000 + MINOR*100 + PATCH up to 8.x (kNV_TENSORRT_VERSION_IMPL in 8.6's
// NvInferRuntimeBase.h) and MAJOR*10000 + MINOR*100 + PATCH from 10.0 (NV_TENSORRT_VERSION_INT). The old scheme
// never reaches 10000, so the value itself tells which one applies.
Version decodeVersion(int32_t v);

using VersionFn = int32_t (*)();

std::string dirOf(const std::string& path);

// The file an open handle really is (the loader's record of it, symlinks resolved); "" when unknown.
std::string realPathOf(void* handle);

// Where to look for `base` (e.g. "libnvinfer") of TensorRT `major`: TRTJS_TENSORRT_LIB_DIR alone when set (a pinned
// install is never mixed with another one; its unversioned dev symlink too, for tarballs unpacked without the soname
// links); otherwise `firstDir` (a companion library goes next to the libnvinfer already opened), the bare soname
// (LD_LIBRARY_PATH, the ldconfig cache), then the directories NVIDIA's packages, JetPack, tarballs and containers use.
std::vector<std::string> candidates(const std::string& base, int major, const std::string& firstDir);

struct Opened {
  void* handle = nullptr;
  std::string path;     // real path (symlinks resolved)
  std::string tried;    // one line per candidate that failed, each saying why
  std::string refusal;  // the first library that was opened but refused, if any: the most useful headline
};

// accept(handle, name) returns "" to keep the handle, or why it refuses it; a refused handle is closed before
// anything else in it is called. `name` is the path as asked for, and where it was found when that differs.
using Accept = std::function<std::string(void* handle, const std::string& name)>;

// Opens the candidates in turn (RTLD_NOW | RTLD_LOCAL) and keeps the first one `accept` takes.
Opened openFirst(const std::vector<std::string>& paths, const Accept& accept);

// TensorRT's builder-resource libraries of `version` (e.g. "10.3.0") in `dir`, real paths, sorted: the kernels a
// builder needs, which libnvinfer dlopens by bare name when it creates a builder. One file up to 10.15
// (libnvinfer_builder_resource.so.<version>); from 10.16 one per GPU architecture as well (..._sm86.so.<version>, ...).
std::vector<std::string> builderResourcesIn(const std::string& dir, const std::string& version);

// The TensorRT install a library file belongs to, as TENSORRT_ROOT for a build: the directory above its lib/ when
// that has include/NvInferVersion.h, "" for the system layout (/usr/lib/<triplet> with /usr/include/<triplet>, which
// the build finds by itself); "?" when no headers are next to it.
std::string headersRootFor(const std::string& libraryPath);

}  // namespace trtjs::trt
