// Ultralytics' LetterBox as one pass: resize (OpenCV INTER_LINEAR, bit-exact), constant border, BGR→RGB,
// layout and dtype conversion, written straight into the caller's tensor.
#pragma once
#include <string>

#include "cpu/image.h"

namespace trtjs::cpu {

struct LetterboxGeometry {
  int resizedWidth, resizedHeight, outWidth, outHeight, padLeft, padTop;  // computed in lib/ops/geometry.ts
};

struct LetterboxOutput {
  void* data;  // outWidth*outHeight*3 elements of dtype
  OutDtype dtype;
  OutLayout layout;
  uint8_t padValue;
};

// Returns "" or what is wrong with the arguments (nothing is written then).
std::string letterbox(const Image& src, const LetterboxGeometry& g, const LetterboxOutput& out);

}  // namespace trtjs::cpu
