#include <cuda_runtime_api.h>

#include <vector>

#include "cuda/check.h"
#include "cuda/device.h"

namespace trtjs::cuda {

namespace {
__global__ void iotaKernel(int* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = i * 3 + 1;
}

}  // namespace

std::string selfTest(int device) {
  constexpr int n = 4096;
  cudaError_t err = cudaSetDevice(device);
  if (err != cudaSuccess) return describe("cudaSetDevice", err);
  int* d = nullptr;
  if ((err = cudaMalloc(&d, n * sizeof(int))) != cudaSuccess) return describe("cudaMalloc", err);
  iotaKernel<<<(n + 255) / 256, 256>>>(d, n);
  err = cudaGetLastError();
  std::string result;
  if (err == cudaErrorNoKernelImageForDevice || err == cudaErrorInvalidDeviceFunction) {
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, device);
    result =
        "this build has no kernel image for sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + " (rebuild with TRTJS_CUDA_ARCHS including it)";
  } else if (err != cudaSuccess) {
    result = describe("kernel launch", err);
  } else {
    std::vector<int> host(n);
    err = cudaMemcpy(host.data(), d, n * sizeof(int), cudaMemcpyDeviceToHost);
    if (err != cudaSuccess) {
      result = describe("cudaMemcpy", err);
    } else {
      for (int i = 0; i < n; ++i) {
        if (host[i] != i * 3 + 1) {
          result = "kernel produced a wrong value at " + std::to_string(i);
          break;
        }
      }
    }
  }
  cudaFree(d);
  cudaGetLastError();
  return result;
}

}  // namespace trtjs::cuda
