// IEEE 754 binary16 <-> binary32, round to nearest even. Lookup-free so it can run anywhere, CUDA kernels included.
#pragma once
#include <cstdint>

#include "cpu/hd.h"

namespace trtjs::cpu {

TRTJS_HD float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        mant <<= 1;
        ++e;
      } while ((mant & 0x400) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000 | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  return hd::bitsFloat(bits);
}

TRTJS_HD uint16_t floatToHalf(float f) {
  const uint32_t x = hd::floatBits(f);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = static_cast<int32_t>((x >> 23) & 0xff);
  uint32_t mant = x & 0x7fffff;
  if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00 | (mant ? 0x200 | (mant >> 13) : 0));
  int32_t e = exp - 127 + 15;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000;
    uint32_t shift = static_cast<uint32_t>(14 - e);
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    return static_cast<uint16_t>(sign | (half + ((rem > mid || (rem == mid && (half & 1))) ? 1 : 0)));
  }
  uint32_t half = static_cast<uint32_t>(e) << 10 | mant >> 13;
  uint32_t rem = mant & 0x1fff;
  return static_cast<uint16_t>(sign | (half + ((rem > 0x1000 || (rem == 0x1000 && (half & 1))) ? 1 : 0)));
}

// A head's value as float, whichever of float32 or float16 bits it is stored in.
TRTJS_HD float toFloat(float v) { return v; }
TRTJS_HD float toFloat(uint16_t v) { return halfToFloat(v); }

}  // namespace trtjs::cpu
