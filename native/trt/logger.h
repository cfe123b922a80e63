// Collects TensorRT's warnings and errors for reports and error messages; drops info/verbose chatter. Only the
// most recent messages are kept, so a logger that lives as long as a served engine cannot grow without bound.
#pragma once
#include <NvInferRuntime.h>

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace trtjs::trt {

class CollectingLogger : public nvinfer1::ILogger {
 public:
  static constexpr size_t kKeep = 256;

  void log(Severity severity, char const* msg) noexcept override {
    if (severity > Severity::kWARNING) return;
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      std::deque<std::string>& list = severity == Severity::kWARNING ? warnings_ : errors_;
      list.emplace_back(msg ? msg : "");
      if (list.size() > kKeep) list.pop_front();
    } catch (...) {
      // Logging must never throw into TensorRT.
    }
  }
  std::vector<std::string> warnings() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {warnings_.begin(), warnings_.end()};
  }
  std::vector<std::string> errors() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {errors_.begin(), errors_.end()};
  }
  // The last error, or "" when there is none.
  std::string lastError() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_.empty() ? std::string() : errors_.back();
  }

 private:
  mutable std::mutex mutex_;
  std::deque<std::string> warnings_, errors_;
};

}  // namespace trtjs::trt
