#include "cpu/extras.h"

#include "cpu/half.h"

namespace trtjs::cpu {

namespace {

template <typename T>
void gather(const T* data, const DecodeOptions& o, const Detections& d, int first, int count, std::vector<float>& out) {
  const size_t n = d.anchors.size();
  out.assign(n * static_cast<size_t>(count), 0.0f);
  const bool channelsFirst = o.format == HeadFormat::AnchorFree && o.channelsFirst;
  const size_t cols = static_cast<size_t>(o.cols);
  for (size_t i = 0; i < n; ++i) {
    const size_t a = static_cast<size_t>(d.anchors[i]);
    float* dst = out.data() + i * static_cast<size_t>(count);
    for (int k = 0; k < count; ++k) {
      const size_t c = static_cast<size_t>(first + k);
      dst[k] = toFloat(channelsFirst ? data[c * cols + a] : data[a * cols + c]);
    }
  }
}

}  // namespace

void gatherExtras(const float* data, const DecodeOptions& o, const Detections& d, int first, int count, std::vector<float>& out) {
  gather(data, o, d, first, count, out);
}
void gatherExtras(const uint16_t* data, const DecodeOptions& o, const Detections& d, int first, int count, std::vector<float>& out) {
  gather(data, o, d, first, count, out);
}

}  // namespace trtjs::cpu
