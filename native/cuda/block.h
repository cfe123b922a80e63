// One thread block's work written once, run two ways: by a real CUDA block (DeviceBlock) and, in CI where there is
// no GPU, by a host loop that plays the block's threads one after another (HostBlock). A kernel body is a sequence
// of phases; each phase is a function of the thread index, and a barrier separates phases. The kernels only use
// phases in which each thread writes what no other thread of that phase reads, so running the threads of a phase in
// sequence (host) or at once (device) computes the same thing: the host run tests the device's arithmetic and its
// control flow.
//
// Shared state read in a loop condition must only be written by single() phases that come after a barrier every
// thread has passed since that read (the kernels place such writes at least one phase after the condition).
#pragma once
#include "cpu/hd.h"

namespace trtjs::cuda {

// The block as the device runs it: all threads call every phase.
struct DeviceBlock {
  template <class F>
  TRTJS_HD void forEach(F&& f, bool sync = true) {
#if defined(__CUDA_ARCH__)
    f(static_cast<int>(threadIdx.x));
    if (sync) __syncthreads();
#else
    (void)f;
    (void)sync;
#endif
  }
  // One thread does f while the others wait at the barrier.
  template <class F>
  TRTJS_HD void single(F&& f) {
#if defined(__CUDA_ARCH__)
    if (threadIdx.x == 0) f();
    __syncthreads();
#else
    (void)f;
#endif
  }
};

// The block as the host emulation runs it: the same phases, one thread after another.
struct HostBlock {
  int threads;
  template <class F>
  void forEach(F&& f, bool = true) {
    for (int t = 0; t < threads; ++t) f(t);
  }
  template <class F>
  void single(F&& f) {
    f();
  }
};

}  // namespace trtjs::cuda
