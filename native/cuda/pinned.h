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

// Allocates on `device` (made current for the call, the caller's device restored after), portable: page-locked for
// every device of the process, not only the one current at allocation, and with `mapped`, mapped into `device`'s
// address space (the device pointer is that device's). Returns "" on success, else the CUDA error.
std::string allocPinned(size_t bytes, bool mapped, int device, PinnedBuffer& out);
void freePinned(void* host);

// Bytes of pinned memory currently allocated through allocPinned (tests check that dispose releases it).
size_t pinnedBytesInUse();

}  // namespace trtjs::cuda
