// The CUDA runtime calls trtjs's TensorRT runtime makes, over host memory, for the CPU check of that runtime with
// the stand-in libnvinfer (scripts/check-trt-runtime.sh): one device (0), "device" memory from malloc, streams that
// complete at once. Counts what is allocated so the check can see that everything is given back.
#include <cuda_runtime_api.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace {
std::atomic<long> deviceBlocks{0}, hostBlocks{0}, streams{0};
int current = 0;
}  // namespace

extern "C" void fakeCudaCounters(long* device, long* host, long* liveStreams) {
  *device = deviceBlocks;
  *host = hostBlocks;
  *liveStreams = streams;
}

cudaError_t cudaSetDevice(int device) {
  if (device != 0) return cudaErrorInvalidDevice;
  current = device;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* device) {
  *device = current;
  return cudaSuccess;
}
cudaError_t cudaMalloc(void** ptr, size_t size) {
  *ptr = std::malloc(size);
  if (!*ptr) return cudaErrorMemoryAllocation;
  ++deviceBlocks;
  return cudaSuccess;
}
cudaError_t cudaFree(void* ptr) {
  if (ptr) --deviceBlocks;
  std::free(ptr);
  return cudaSuccess;
}
cudaError_t cudaHostAlloc(void** ptr, size_t size, unsigned int) {
  *ptr = std::malloc(size);
  if (!*ptr) return cudaErrorMemoryAllocation;
  ++hostBlocks;
  return cudaSuccess;
}
cudaError_t cudaFreeHost(void* ptr) {
  if (ptr) --hostBlocks;
  std::free(ptr);
  return cudaSuccess;
}
cudaError_t cudaHostGetDevicePointer(void** device, void* host, unsigned int) {
  *device = host;  // one address space, as on an integrated GPU
  return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, cudaMemcpyKind, cudaStream_t stream) {
  if (!stream) return cudaErrorInvalidResourceHandle;
  std::memcpy(dst, src, count);
  return cudaSuccess;
}
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int) {
  *stream = reinterpret_cast<cudaStream_t>(new char);
  ++streams;
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t stream) { return stream ? cudaSuccess : cudaErrorInvalidResourceHandle; }
cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  if (!stream) return cudaErrorInvalidResourceHandle;
  delete reinterpret_cast<char*>(stream);
  --streams;
  return cudaSuccess;
}
cudaError_t cudaGetLastError() { return cudaSuccess; }
const char* cudaGetErrorName(cudaError_t) { return "cudaErrorFake"; }
const char* cudaGetErrorString(cudaError_t) { return "fake CUDA error"; }
