// Arithmetic that compiles for the host (g++) and for CUDA devices (nvcc) alike, with the same results on both.
// The CPU ops and the CUDA kernels share their per-element code through this header, so the CPU tests of that code
// (CI has no GPU) also test what the GPU runs.
//
// Two things differ between a host compiler and nvcc unless written down here:
// - contraction: nvcc fuses a*b+c into one FMA (one rounding instead of two) by default, and so does g++ on hosts
//   with an FMA unit (aarch64); the *Rn functions round their product on its own, as OpenCV's and torchvision's x86
//   builds do;
// - std::max/std::min pick an operand by comparison, fmaxf/fminf do not (NaN): maxOf/minOf keep std's rule.
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define TRTJS_HD __host__ __device__ __forceinline__
#else
#define TRTJS_HD inline
#endif

namespace trtjs::hd {

TRTJS_HD uint32_t floatBits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}

TRTJS_HD float bitsFloat(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

// a * b rounded to float, never fused with a neighbouring addition.
TRTJS_HD float mulRn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#elif defined(__FP_FAST_FMA) || defined(__FP_FAST_FMAF)
  volatile float p = a * b;  // a host with FMA instructions: the store forces the rounding
  return p;
#else
  return a * b;
#endif
}

TRTJS_HD double mulRn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#elif defined(__FP_FAST_FMA)
  volatile double p = a * b;
  return p;
#else
  return a * b;
#endif
}

// a / b correctly rounded (nvcc would otherwise be free to turn a division by 2 into a product it may fuse).
TRTJS_HD float divRn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}

// std::max(a, b) and std::min(a, b): `a < b ? b : a` and `b < a ? b : a`, NaN operands resolved as std does.
TRTJS_HD float maxOf(float a, float b) { return a < b ? b : a; }
TRTJS_HD float minOf(float a, float b) { return b < a ? b : a; }
TRTJS_HD int maxOf(int a, int b) { return a < b ? b : a; }
TRTJS_HD int minOf(int a, int b) { return b < a ? b : a; }
TRTJS_HD int clampInt(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }
TRTJS_HD bool isNan(float v) { return v != v; }

// atomicAdd on the device; a plain read-modify-write in the host emulation, which runs threads one at a time.
TRTJS_HD int fetchAdd(int* p, int v) {
#if defined(__CUDA_ARCH__)
  return atomicAdd(p, v);
#else
  const int old = *p;
  *p = old + v;
  return old;
#endif
}

}  // namespace trtjs::hd
