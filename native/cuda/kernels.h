// Device entry points of the CUDA pre/post-processing kernels, for the engine runtime: each takes a launch
// description (letterbox_kernel.h, decode_kernel.h) whose pointers are device addresses and enqueues its kernels on
// `stream` without synchronising. cuda/emulate.h runs the same kernel bodies on the host.
#pragma once
#include <cuda_runtime_api.h>

#include "cuda/decode_kernel.h"
#include "cuda/letterbox_kernel.h"

namespace trtjs::cuda {

// One kernel: L.batch frames, each L.outW x L.outH x 3 values written at L.out + b * L.outItemElems.
cudaError_t launchLetterbox(const LetterboxLaunch& L, cudaStream_t stream);

// Clears the key counts, then candidates + NMS (or the end-to-end pass); detections land in L.out
// (decodeOutputBytes, one DetectionsView per item). The workspace must be bound (bindDecodeWorkspace) and
// L.classes, when set, must point to device memory.
cudaError_t launchDecode(const DecodeLaunch& L, cudaStream_t stream);

}  // namespace trtjs::cuda
