// The CUDA kernels' bodies run on the host, block by block and thread by thread, on host pointers: how CI, which has no
// GPU, tests the kernels' code against the CPU ops. Plain C++ (no CUDA headers), so sanitizer builds can take it too.
#pragma once
#include <cstdint>

#include "cuda/decode_kernel.h"
#include "cuda/letterbox_kernel.h"

namespace trtjs::cuda {

void emulateLetterbox(const LetterboxLaunch& L);
// shuffleSeed != 0 permutes each item's candidate keys before NMS, as the device's atomic appends may order them:
// the results must not change.
void emulateDecode(const DecodeLaunch& L, uint32_t shuffleSeed = 0);

}  // namespace trtjs::cuda
