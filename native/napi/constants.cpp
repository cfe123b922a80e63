// The numbers that cross the N-API boundary for enums, exported from the C++ enums themselves: lib/ maps its names
// through `constants`, so the two sides cannot drift apart. Every table is there in every build: the TensorRT layer's
// enums (contextMemory, graphMode, graphResult) come from trt/layers/layer.h, which needs no TensorRT header.
#include <utility>

#include "cpu/decode.h"
#include "cpu/image.h"
#include "cpu/segment.h"
#include "napi/register.h"
#include "trt/layers/layer.h"

namespace trtjs::napi {

namespace {

template <typename Enum>
Napi::Object table(Napi::Env env, std::initializer_list<std::pair<const char*, Enum>> entries) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [name, value] : entries) o.Set(name, Napi::Number::New(env, static_cast<int>(value)));
  o.Freeze();
  return o;
}

}  // namespace

void registerConstants(Napi::Env env, Napi::Object exports) {
  using cpu::HeadFormat, cpu::OutDtype, cpu::OutLayout, cpu::PixelOrder;
  Napi::Object c = Napi::Object::New(env);
  c.Set("pixelOrder",
        table<PixelOrder>(
            env, {{"gray", PixelOrder::Gray}, {"rgb", PixelOrder::RGB}, {"bgr", PixelOrder::BGR}, {"rgba", PixelOrder::RGBA}, {"bgra", PixelOrder::BGRA}}));
  c.Set("outDtype", table<OutDtype>(env, {{"float32", OutDtype::Float32}, {"float16", OutDtype::Float16}, {"uint8", OutDtype::Uint8}}));
  c.Set("outLayout", table<OutLayout>(env, {{"nchw", OutLayout::NCHW}, {"nhwc", OutLayout::NHWC}}));
  c.Set("headFormat", table<HeadFormat>(env, {{"yolov5", HeadFormat::AnchorBased}, {"yolov8", HeadFormat::AnchorFree}, {"end2end", HeadFormat::EndToEnd}}));
  c.Set("maskMode", table<cpu::MaskMode>(env, {{"upsample", cpu::MaskMode::Upsample}, {"native", cpu::MaskMode::Native}, {"proto", cpu::MaskMode::Proto}}));
  c.Set("contextMemory", table<trt::ContextMemory>(env, {{"static", trt::ContextMemory::kStatic}, {"profile", trt::ContextMemory::kProfile}}));
  c.Set("graphMode", table<trt::GraphMode>(env, {{"off", trt::GraphMode::kOff}, {"auto", trt::GraphMode::kAuto}, {"required", trt::GraphMode::kRequired}}));
  c.Set("graphResult", table<trt::GraphResult>(
                           env, {{"plain", trt::GraphResult::kPlain}, {"captured", trt::GraphResult::kCaptured}, {"replayed", trt::GraphResult::kReplayed}}));
  c.Freeze();
  exports.Set("constants", c);
}

}  // namespace trtjs::napi
