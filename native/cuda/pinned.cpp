#include "cuda/pinned.h"

#include <cuda_runtime_api.h>

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "cuda/check.h"

namespace trtjs::cuda {

namespace {
// freePinned gets only the pointer, so sizes are kept here. The table is never destroyed: N-API finalizers of
// external ArrayBuffers can run during process teardown, after static destructors.
struct Registry {
  std::mutex mutex;
  std::unordered_map<void*, size_t> sizes;
  std::atomic<size_t> inUse{0};
};
Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}
}  // namespace

std::string allocPinned(size_t bytes, bool mapped, int device, PinnedBuffer& out) {
  DeviceGuard on(device);
  if (!on.ok()) {
    cudaGetLastError();
    return describe("cudaSetDevice(" + std::to_string(device) + ")", on.error());
  }
  void* host = nullptr;
  // A zero-byte request still yields a distinct, freeable allocation.
  size_t request = bytes == 0 ? 1 : bytes;
  cudaError_t err = cudaHostAlloc(&host, request, cudaHostAllocPortable | (mapped ? cudaHostAllocMapped : 0U));
  if (err != cudaSuccess) {
    cudaGetLastError();
    return describe("cudaHostAlloc(" + std::to_string(bytes) + " bytes)", err);
  }
  void* alias = nullptr;
  if (mapped && cudaHostGetDevicePointer(&alias, host, 0) != cudaSuccess) {
    cudaGetLastError();
    alias = nullptr;
  }
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    r.sizes[host] = bytes;
  }
  r.inUse += bytes;
  out = PinnedBuffer{host, alias, bytes};
  return "";
}

void freePinned(void* host) {
  if (!host) return;
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.sizes.find(host);
    if (it == r.sizes.end()) return;
    r.inUse -= it->second;
    r.sizes.erase(it);
  }
  // During teardown the runtime may already be unloading; its error is harmless then.
  cudaFreeHost(host);
  cudaGetLastError();
}

size_t pinnedBytesInUse() { return registry().inUse.load(); }

}  // namespace trtjs::cuda
