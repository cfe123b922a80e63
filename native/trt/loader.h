// TensorRT is opened at run time (dlopen), never linked: the addon loads on machines without it, and
// capabilities() can say exactly what is missing. Only the major the headers belong to is accepted, because
// TensorRT's C++ interfaces are not ABI-compatible across majors.
#pragma once
#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <string>

namespace trtjs::trt {

struct LibraryStatus {
  bool loaded = false;
  std::string version;     // of the libnvinfer actually opened, e.g. "10.3.0"; "" when none
  std::string inferPath;   // its real path (symlinks resolved); "" when none
  std::string error;       // why nothing usable was opened: every candidate with its dlerror, or a version mismatch
  bool parserLoaded = false;
  std::string parserPath;  // real path of libnvonnxparser; "" when none
  std::string parserError; // reported apart from `error`: running engines needs no parser
  // libnvinfer_plugin (TensorRT's standard plugins, registered with initLibNvInferPlugins when found): engines and
  // ONNX models that use them need it; the rest do not.
  bool pluginsLoaded = false;
  std::string pluginsPath;
  std::string pluginsError;
};

int compiledMajor();            // NV_TENSORRT_MAJOR of the headers compiled against
std::string compiledVersion();  // "10.3.0", from the same headers

// Opens the libraries on first call (once per process, thread-safe); never throws. The libraries stay open for
// the life of the process.
const LibraryStatus& status();

// Factory functions of the opened libraries, serialized process-wide (concurrent first calls have crashed TensorRT
// in other hosts) and always given processLogger(); nullptr when the libraries are not loaded or the factory failed
// (TensorRT then says why through the logger, to the caller's Capture).
nvinfer1::IBuilder* createBuilder();
nvinfer1::IRuntime* createRuntime();
nvonnxparser::IParser* createParser(nvinfer1::INetworkDefinition& network);

}  // namespace trtjs::trt
