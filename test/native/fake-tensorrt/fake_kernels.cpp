// The stand-in for the CUDA kernels (native/cuda/letterbox.cu, decode.cu) in the CPU build of the addon: the stand-in
// CUDA runtime's "device" memory is host memory and its streams finish each call as it is made, so a launch runs
// the kernels' own bodies on the host at once (cuda/emulate.h, the code CI tests against the CPU ops), or records
// them while the stream is captured into a graph (fake_cudart.cpp). Each decode permutes its candidate keys
// differently, as the device's atomic appends may order them.
// FAKE_CUDA_KERNEL_ERROR=letterbox|decode makes that launch fail with cudaErrorIllegalAddress, as a kernel that read
// out of bounds would, for the error paths.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "cuda/emulate.h"
#include "cuda/kernels.h"

// fake_cudart.cpp: runs `kernel` now, or records it into the stream's capture.
void fakeCudaLaunch(cudaStream_t stream, std::function<void()> kernel);

namespace trtjs::cuda {

namespace {
bool failing(const char* kernel) {
  const char* which = std::getenv("FAKE_CUDA_KERNEL_ERROR");
  return which && std::strcmp(which, kernel) == 0;
}
std::atomic<uint32_t> launches{0};
}  // namespace

cudaError_t launchLetterbox(const LetterboxLaunch& L, cudaStream_t stream) {
  if (failing("letterbox")) return cudaErrorIllegalAddress;
  fakeCudaLaunch(stream, [L] { emulateLetterbox(L); });
  return cudaSuccess;
}

cudaError_t launchDecode(const DecodeLaunch& L, cudaStream_t stream) {
  if (failing("decode")) return cudaErrorIllegalAddress;
  fakeCudaLaunch(stream, [L] { emulateDecode(L, ++launches); });
  return cudaSuccess;
}

}  // namespace trtjs::cuda
