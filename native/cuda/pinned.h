// Page-locked host memory: the staging buffers that JavaScript sees as TypedArrays (no copy between JS and
// the buffer). With `mapped`, the device can address it directly (Jetson: no copies at all).
#pragma once
#include <cstddef>
#include <string>

namespace trtjs::cuda {

struct PinnedBuffer {
  void* host = nullptr;
  void* device = nullptr;  // device alias of `host` when mapped, else nullptr
  size_t bytes = 0;
};

// Returns "" on success, else the CUDA error.
std::string allocPinned(size_t bytes, bool mapped, PinnedBuffer& out);
void freePinned(void* host);

// Bytes of pinned memory currently allocated through allocPinned (tests check that dispose releases it).
size_t pinnedBytesInUse();

}  // namespace trtjs::cuda
