// The stand-in for the CUDA self-test kernel (native/cuda/selftest.cu) in the CPU build of the addon: there is no
// kernel to launch on the stand-in GPU.
#include <string>

#include "cuda/device.h"

namespace trtjs::cuda {
std::string selfTest(int device) { return device == 0 ? "" : "no such device"; }
}  // namespace trtjs::cuda
