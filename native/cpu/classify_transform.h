// Ultralytics' classification pre-processing (data/augment.py classify_transforms, as ClassificationPredictor runs
// it on cv2.imread's pixels): torchvision Resize(size) on a PIL image — the shorter side to `size`, the longer to
// int(size * long / short), Pillow's BILINEAR resampling — then CenterCrop(size), ToTensor (RGB, CHW, /255).
// Bit-exact with Pillow's Resample.c for 8-bit images: a triangle filter widened by the downscale factor, double
// coefficients normalized per output pixel then rounded to 22-bit fixed point, a horizontal then a vertical pass,
// each rounded and clipped to 8 bits. Only the cropped part is computed (each output pixel depends on its own
// coefficients only, so the values are those of the full resize).
#pragma once
#include <string>

#include "cpu/image.h"

namespace trtjs::cpu {

struct ClassifyGeometry {
  int resizedWidth, resizedHeight;  // the full resize (computed in lib/tasks/classify)
  int cropLeft, cropTop, size;      // the square crop taken from it
};

struct ClassifyOutput {
  void* data;  // size*size*3 elements of dtype
  OutDtype dtype;
  OutLayout layout;
};

// Returns "" or what is wrong with the arguments (nothing is written then).
std::string classifyTransform(const Image& src, const ClassifyGeometry& g, const ClassifyOutput& out);

}  // namespace trtjs::cpu
