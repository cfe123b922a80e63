#include "cuda/pinned.h"

#include <cuda_runtime_api.h>

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace trtjs::cuda {

namespace {
std::mutex sizesMutex;
std::unordered_map<void*, size_t> sizes;  // freePinned gets only the pointer
std::atomic<size_t> inUse{0};
}  // namespace

std::string allocPinned(size_t bytes, bool mapped, PinnedBuffer& out) {
  void* host = nullptr;
  // A zero-byte request still yields a distinct, freeable allocation.
  size_t request = bytes == 0 ? 1 : bytes;
  cudaError_t err = cudaHostAlloc(&host, request, mapped ? cudaHostAllocMapped : cudaHostAllocDefault);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return std::string("cudaHostAlloc(") + std::to_string(bytes) + " bytes): " + cudaGetErrorName(err) + ": " +
           cudaGetErrorString(err);
  }
  void* device = nullptr;
  if (mapped && cudaHostGetDevicePointer(&device, host, 0) != cudaSuccess) {
    cudaGetLastError();
    device = nullptr;
  }
  {
    std::lock_guard<std::mutex> lock(sizesMutex);
    sizes[host] = bytes;
  }
  inUse += bytes;
  out = PinnedBuffer{host, device, bytes};
  return "";
}

void freePinned(void* host) {
  if (!host) return;
  {
    std::lock_guard<std::mutex> lock(sizesMutex);
    auto it = sizes.find(host);
    if (it == sizes.end()) return;
    inUse -= it->second;
    sizes.erase(it);
  }
  cudaFreeHost(host);
}

size_t pinnedBytesInUse() { return inUse.load(); }

}  // namespace trtjs::cuda
