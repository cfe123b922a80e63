// One-shot device runs of the pre/post-processing kernels, for the gpu-tier tests and the benches: allocate, copy
// in, launch, copy out, free. The engine runtime enqueues the kernels itself (kernels.h); this is not its path.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cuda/decode_kernel.h"
#include "cuda/letterbox_kernel.h"

namespace trtjs::cuda {

struct KernelTimings {
  std::vector<double> kernelMicros;     // per iteration, between CUDA events around the launch
  std::vector<double> roundTripMicros;  // per iteration, host clock: launch, copy of the results, synchronise
};

// `hostLaunch` describes the work on host memory (src: srcBytes, out: outBytes); the same work runs on `device`
// `iterations` times (timed when `timings` is given) and the last output is copied into hostLaunch.out.
// Returns "" or "<step>: <CUDA error name>: <message>".
std::string letterboxOnDevice(int device, const LetterboxLaunch& hostLaunch, int64_t srcBytes, int64_t outBytes, int iterations, KernelTimings* timings);

// `hostLaunch` as made by makeDecodeLaunch on host data of dataBytes (classes on the host too); workspace and output
// are allocated on the device. The detections of the last iteration land in `out` (decodeOutputBytes bytes), copied
// back through pinned memory each iteration as a runtime would.
std::string decodeOnDevice(int device, const DecodeLaunch& hostLaunch, int64_t dataBytes, int iterations, KernelTimings* timings, std::vector<uint8_t>& out);

}  // namespace trtjs::cuda
