// TensorRT keeps one logger pointer for the whole process (the first builder or runtime sets it, and its plugin
// library keeps a copy), so trtjs gives it one logger that is never destroyed. What TensorRT logs on a thread while
// a Capture lives on that thread goes to the Capture: a build's warnings and a failed call's errors are reported
// with the operation that caused them, even when several run at once. Messages from TensorRT's own threads go to
// every Capture that adopts them (builds, whose work TensorRT spreads over its threads).
#pragma once
#include "trt/namespace.h"

#include <NvInferRuntime.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace trtjs::TRTJS_TRT_NS {

nvinfer1::ILogger& processLogger();

class Capture {
 public:
  static constexpr size_t kKeep = 256;  // the first messages of each kind; later ones are counted, not kept

  // adoptOrphans: also collect what TensorRT logs on threads that have no Capture of their own.
  explicit Capture(bool adoptOrphans = false);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // Each list ends with a line saying how many more were logged when some were not kept.
  std::vector<std::string> warnings() const;
  std::vector<std::string> errors() const;
  std::string lastError() const;  // the most recent error, kept or not; "" when there is none
  // Called by the process logger; never throws.
  void add(nvinfer1::ILogger::Severity severity, const char* msg) noexcept;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> warnings_, errors_;
  size_t droppedWarnings_ = 0, droppedErrors_ = 0;
  std::string lastError_;
  Capture* previous_;
  bool adoptsOrphans_;
};

}  // namespace trtjs::TRTJS_TRT_NS
