// Image and tensor descriptions shared by the CPU ops.
#pragma once
#include <cstddef>
#include <cstdint>

namespace trtjs::cpu {

enum class PixelOrder { Gray = 0, RGB = 1, BGR = 2, RGBA = 3, BGRA = 4 };
enum class OutDtype { Float32 = 0, Float16 = 1, Uint8 = 2 };
enum class OutLayout { NCHW = 0, NHWC = 1 };

struct Image {
  const uint8_t* data;
  int width, height, channels;
  size_t stride;  // bytes per row
  PixelOrder order;
};

}  // namespace trtjs::cpu
