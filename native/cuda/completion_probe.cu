// PROTOTYPE, UNVERIFIED: the tiny kernel of the completion round-trip probe (cuda/completion.h).
#include <cuda_runtime_api.h>

namespace trtjs::cuda {

namespace {
__global__ void touchKernel(int* counter) { *counter += 1; }
}  // namespace

cudaError_t launchTouch(int* counter, cudaStream_t stream) {
  touchKernel<<<1, 1, 0, stream>>>(counter);
  return cudaGetLastError();
}

}  // namespace trtjs::cuda
