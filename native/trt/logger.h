// Collects TensorRT's warnings and errors for the build report; drops info/verbose chatter.
#pragma once
#include <NvInferRuntime.h>

#include <mutex>
#include <string>
#include <vector>

namespace trtjs::trt {

class CollectingLogger : public nvinfer1::ILogger {
 public:
  void log(Severity severity, char const* msg) noexcept override {
    if (severity > Severity::kWARNING) return;
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      (severity == Severity::kWARNING ? warnings_ : errors_).emplace_back(msg ? msg : "");
    } catch (...) {
      // Logging must never throw into TensorRT.
    }
  }
  std::vector<std::string> warnings() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return warnings_;
  }
  std::vector<std::string> errors() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> warnings_, errors_;
};

}  // namespace trtjs::trt
