// TensorRT keeps one logger pointer for the whole process (the first builder or runtime sets it, and its plugin
// library keeps a copy), so trtjs gives it one logger that is never destroyed. What TensorRT logs on a thread while
// a Capture lives on that thread goes to the Capture: a build's warnings and a failed call's errors are reported
// with the operation that caused them, even when several run at once.
#pragma once
#include <NvInferRuntime.h>

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace trtjs::trt {

nvinfer1::ILogger& processLogger();

class Capture {
 public:
  static constexpr size_t kKeep = 256;  // most recent messages of each kind; a long build cannot grow it unbounded

  Capture();
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  std::vector<std::string> warnings() const;
  std::vector<std::string> errors() const;
  std::string lastError() const;  // "" when there is none
  // Called by the process logger; never throws.
  void add(nvinfer1::ILogger::Severity severity, const char* msg) noexcept;

 private:
  mutable std::mutex mutex_;
  std::deque<std::string> warnings_, errors_;
  Capture* previous_;
};

}  // namespace trtjs::trt
