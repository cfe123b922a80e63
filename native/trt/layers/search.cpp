#include "trt/layers/search.h"

#include <dirent.h>
#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace trtjs::trt {

namespace {

// Tried, in order, after the dynamic loader's own search, for installs that are not registered with ldconfig.
const char* const kSearchDirs[] = {
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",  // Jetson
    "/usr/local/tensorrt/lib",    "/opt/tensorrt/lib", "/usr/local/cuda/lib64",
};

std::string describe(const std::string& asked, const std::string& real) { return real.empty() || real == asked ? asked : asked + " at " + real; }

// access(), not stat(): stat is a symbol of its own only from glibc 2.33, and prebuilds run on 2.28.
bool readable(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

}  // namespace

std::string Version::str() const { return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch); }

Version decodeVersion(int32_t v) {
  if (v >= 10000) return {v / 10000, v / 100 % 100, v % 100};
  return {v / 1000, v / 100 % 10, v % 100};
}

std::string realPathOf(void* handle) {
  struct link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map || !map->l_name) return "";
  char* resolved = realpath(map->l_name, nullptr);
  std::string out = resolved ? resolved : map->l_name;
  std::free(resolved);
  return out;
}

std::string dirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::vector<std::string> candidates(const std::string& base, int major, const std::string& firstDir) {
  const std::string soname = base + ".so." + std::to_string(major);
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

Opened openFirst(const std::vector<std::string>& paths, const Accept& accept) {
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

std::vector<std::string> builderResourcesIn(const std::string& dir, const std::string& version) {
  std::vector<std::string> out;
  if (dir.empty() || version.empty()) return out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  const std::string prefix = "libnvinfer_builder_resource", suffix = ".so." + version;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() < prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string path = dir + "/" + name;
    if (!readable(path)) continue;
    char* resolved = realpath(path.c_str(), nullptr);
    std::string real = resolved ? resolved : path;
    std::free(resolved);
    if (std::find(out.begin(), out.end(), real) == out.end()) out.push_back(real);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string headersRootFor(const std::string& libraryPath) {
  const std::string dir = dirOf(libraryPath);
  const std::string up = dirOf(dir);
  if (!up.empty() && readable(up + "/include/NvInferVersion.h")) return up;
  // /usr/lib/x86_64-linux-gnu/libnvinfer.so.8 -> /usr/include/x86_64-linux-gnu/NvInferVersion.h (NVIDIA's packages, JetPack)
  const std::string triplet = dir.substr(dir.rfind('/') + 1);
  if (dir == "/usr/lib/" + triplet && readable("/usr/include/" + triplet + "/NvInferVersion.h")) return "";
  return "?";
}

}  // namespace trtjs::trt
