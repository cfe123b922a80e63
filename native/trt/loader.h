// TensorRT is opened at run time (dlopen), never linked: the addon loads on machines without it, and
// capabilities() can say exactly what is missing. Only the major the headers belong to is accepted.
#pragma once
#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <string>

namespace trtjs::trt {

struct LibraryStatus {
  bool loaded = false;
  std::string version;     // of the libnvinfer actually opened, e.g. "10.3.0"
  std::string inferPath;   // its real path
  std::string error;       // why nothing usable was opened: every candidate and its dlerror, or a version mismatch
  bool parserLoaded = false;
  std::string parserPath;
  std::string parserError;
};

int compiledMajor();
std::string compiledVersion();  // "10.3.0"

// Opens the libraries once (thread-safe); never throws.
const LibraryStatus& status();

// Factory functions of the opened libraries; nullptr when they are not loaded.
nvinfer1::IBuilder* createBuilder(nvinfer1::ILogger& logger);
nvinfer1::IRuntime* createRuntime(nvinfer1::ILogger& logger);
nvonnxparser::IParser* createParser(nvinfer1::INetworkDefinition& network, nvinfer1::ILogger& logger);

}  // namespace trtjs::trt
