// Included first by every file of the per-major TensorRT layer (native/trt/*.{h,cpp}), before any TensorRT header.
//
// One binary carries a copy of this layer per TensorRT major (CMakeLists.txt compiles it once per header set). The
// copies must not share a single symbol that depends on TensorRT's headers: the inline functions of NvInfer.h (e.g.
// IBuilder::createNetworkV2, which calls through a vtable laid out differently in 10.x and 11.x) are emitted as weak
// symbols, and the linker would keep one major's body for both. So each copy lives in trtjs::trt<major>, and
// TensorRT's own namespaces are renamed to match (nvinfer1 -> trt<major>_nvinfer1). Nothing links against
// libnvinfer (it is opened with dlopen and reached through vtables and C entry points), so the names TensorRT's
// libraries use never have to match ours. scripts/check-trt-headers.sh checks that no such symbol is shared.
#pragma once
#include <NvInferVersion.h>

#define TRTJS_CAT2(a, b) a##b
#define TRTJS_CAT(a, b) TRTJS_CAT2(a, b)

#ifndef TRTJS_TRT_NS
#define TRTJS_TRT_NS TRTJS_CAT(trt, NV_TENSORRT_MAJOR)
#endif

#if defined(NV_INFER_LEGACY_DIMS_H) || defined(NV_INFER_RUNTIME_COMMON_H) || defined(NV_ONNX_PARSER_H) || defined(nvinfer1)
#error "trt/namespace.h must come before any TensorRT header"
#endif
#define nvinfer1 TRTJS_CAT(TRTJS_TRT_NS, _nvinfer1)
#define nvonnxparser TRTJS_CAT(TRTJS_TRT_NS, _nvonnxparser)

#include "trt/layers/layer.h"

namespace trtjs::TRTJS_TRT_NS {
// The major-neutral types, under the names this layer's code has always used.
using trt::BuildParams;
using trt::BuildResult;
using trt::CancelFlag;
using trt::ContextMemory;
using trt::EngineDesc;
using trt::LibraryStatus;
using trt::LoadOptions;
using trt::ProfileInput;
using trt::Progress;
using trt::Staging;
using trt::TensorDesc;
using trt::TensorFormat;
}  // namespace trtjs::TRTJS_TRT_NS
