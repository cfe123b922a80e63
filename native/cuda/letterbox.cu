// The letterbox kernel: the tile function of letterbox_kernel.h on a real CUDA block.
#include "cuda/kernels.h"

namespace trtjs::cuda {

namespace {
__global__ void __launch_bounds__(kLetterboxThreads) letterboxKernel(LetterboxLaunch L) {
  __shared__ LetterboxShared s;
  DeviceBlock blk;
  letterboxTile(blk, L, s, static_cast<int>(blockIdx.x), static_cast<int>(blockIdx.y), static_cast<int>(blockIdx.z));
}
}  // namespace

cudaError_t launchLetterbox(const LetterboxLaunch& L, cudaStream_t stream) {
  const dim3 grid((L.outW + kLetterboxTileW - 1) / kLetterboxTileW, (L.outH + kLetterboxTileH - 1) / kLetterboxTileH, L.batch);
  letterboxKernel<<<grid, kLetterboxThreads, 0, stream>>>(L);
  return cudaGetLastError();
}

}  // namespace trtjs::cuda
