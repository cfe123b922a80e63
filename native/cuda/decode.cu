// The decode + NMS kernels: the functions of decode_kernel.h on real CUDA blocks.
#include "cuda/kernels.h"

namespace trtjs::cuda {

namespace {

__global__ void __launch_bounds__(kDecodeThreads) candidatesKernel(DecodeLaunch L) {
  const int a = static_cast<int>(blockIdx.x) * kDecodeThreads + static_cast<int>(threadIdx.x);
  const int b = static_cast<int>(blockIdx.y);
  if (a >= L.anchors) return;
  uint64_t* keys = L.keys + static_cast<int64_t>(b) * L.capacity;
  anchorCandidates(L, b, a, [&](uint64_t key) { keys[atomicAdd(&L.counts[b], 1)] = key; });
}

__global__ void __launch_bounds__(kDecodeThreads) nmsKernel(DecodeLaunch L) {
  __shared__ NmsShared s;
  DeviceBlock blk;
  nmsItem(blk, L, s, static_cast<int>(blockIdx.x));
}

__global__ void __launch_bounds__(kDecodeThreads) endToEndKernel(DecodeLaunch L) {
  __shared__ EndToEndShared s;
  DeviceBlock blk;
  endToEndItem(blk, L, s, static_cast<int>(blockIdx.x));
}

}  // namespace

cudaError_t launchDecode(const DecodeLaunch& L, cudaStream_t stream) {
  if (L.format == cpu::HeadFormat::EndToEnd) {
    endToEndKernel<<<L.batch, kDecodeThreads, 0, stream>>>(L);
    return cudaGetLastError();
  }
  cudaError_t err = cudaMemsetAsync(L.counts, 0, sizeof(int32_t) * static_cast<size_t>(L.batch), stream);
  if (err != cudaSuccess) return err;
  if (L.anchors > 0) {
    const dim3 grid((L.anchors + kDecodeThreads - 1) / kDecodeThreads, L.batch);
    candidatesKernel<<<grid, kDecodeThreads, 0, stream>>>(L);
    if ((err = cudaGetLastError()) != cudaSuccess) return err;
  }
  nmsKernel<<<L.batch, kDecodeThreads, 0, stream>>>(L);
  return cudaGetLastError();
}

}  // namespace trtjs::cuda
