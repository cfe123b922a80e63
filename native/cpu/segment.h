// Instance masks from YOLO segmentation heads as Ultralytics makes them (ultralytics/utils/ops.py): mask
// coefficients times prototypes, cropped to the box, bilinearly resized (torch's align_corners=False arithmetic),
// thresholded at logit 0. Masks are returned compactly: each as the tight window around its pixels in the frame
// and that window's 0/1 bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trtjs::cpu {

enum class MaskMode {
  Upsample /* process_mask(upsample=True): crop at prototype size, resize to the model input (outH x outW) */,
  Native /* process_mask_native (retina_masks): resize to the source (outH x outW) through scale_masks, then crop */,
  Proto /* process_mask(upsample=False), as segment val uses it: crop at prototype size, no resize */
};

struct MaskRequest {
  const float* protos = nullptr;  // nm x mh x mw
  int nm = 0, mh = 0, mw = 0;
  const float* coeffs = nullptr;  // n x nm
  const float* boxes = nullptr;   // n x (x1, y1, x2, y2): model-input pixels (Upsample, Proto), source pixels (Native)
  size_t n = 0;
  int outH = 0, outW = 0;  // model input size (Upsample, Proto) or source size (Native)
  MaskMode mode = MaskMode::Upsample;
  // crop_mask's rule: Ultralytics on the CPU with fewer than 50 masks zeroes outside the box rounded to whole pixels
  // (a rounded edge below 0 is taken as 0 here, where Python's slice would count from the end); otherwise it keeps
  // pixel centres x with x1 <= x < x2 in float.
  bool roundCrop = true;
};

struct CompactMasks {
  std::vector<int32_t> windows;  // per mask: left, top, width, height in the frame; 0 x 0 when the mask is empty
  std::vector<uint8_t> bits;     // per mask, width*height bytes (0/1) one after another
  int frameW = 0, frameH = 0;    // the frame the windows are in
};

// Replaces `out`. The caller checks sizes (protos nm*mh*mw, coeffs n*nm, boxes n*4, positive dimensions).
void processMasks(const MaskRequest& r, CompactMasks& out);

// Ultralytics' ops.scale_image for 0/1 masks at model-input size (frame inW x inH, letterboxed): the padding
// round(pad -/+ 0.1) removed, cv2.resize (INTER_LINEAR, bit-exact) to the source size. Returns masks in source frame.
void scaleMasksToSource(const CompactMasks& in, int srcW, int srcH, CompactMasks& out);

}  // namespace trtjs::cpu
