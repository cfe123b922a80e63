// TensorRT is opened at run time (dlopen), never linked: the addon loads on machines without it, and
// capabilities() can say exactly what is missing. This copy of the layer accepts only the major its headers belong
// to, and a minor no older than theirs, because TensorRT's C++ interfaces are not ABI-compatible across majors and
// grow within one. Which layer serves the process is decided in trt/layers/select.h.
#pragma once
#include "trt/namespace.h"

#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <string>

namespace trtjs::TRTJS_TRT_NS {

int compiledMajor();            // NV_TENSORRT_MAJOR of the headers compiled against
std::string compiledVersion();  // "10.3.0", from the same headers

// Opens libnvinfer.so.<major> and its companions on first call (once per process, thread-safe); never throws. The
// libraries stay open for the life of the process.
const LibraryStatus& status();

// Factory functions of the opened libraries, serialized process-wide (concurrent first calls have crashed TensorRT
// in other hosts) and always given processLogger(); nullptr when the libraries are not loaded or the factory failed
// (TensorRT then says why through the logger, to the caller's Capture).
// createBuilder first opens the builder resources found next to libnvinfer (status().builderResources), once; what
// could not be opened goes to *preloadErrors ("" when all did).
nvinfer1::IBuilder* createBuilder(std::string* preloadErrors = nullptr);
nvinfer1::IRuntime* createRuntime();
nvonnxparser::IParser* createParser(nvinfer1::INetworkDefinition& network);

// This layer as the rest of the addon sees it (trt/layers/layer.h).
const trt::Layer& layer();

}  // namespace trtjs::TRTJS_TRT_NS
