#include "trt/logger.h"

#include <cstdio>
#include <new>

namespace trtjs::trt {

namespace {

thread_local Capture* current = nullptr;

class ProcessLogger : public nvinfer1::ILogger {
 public:
  void log(Severity severity, char const* msg) noexcept override {
    if (severity > Severity::kWARNING) return;
    if (current) {
      current->add(severity, msg);
    } else if (severity <= Severity::kERROR) {
      // Logged outside any trtjs call (one of TensorRT's own threads): an error must not vanish.
      std::fprintf(stderr, "[trtjs] TensorRT error: %s\n", msg ? msg : "");
    }
  }
};

}  // namespace

nvinfer1::ILogger& processLogger() {
  // Never destroyed: TensorRT may log from its own threads while static destructors run at exit.
  alignas(ProcessLogger) static unsigned char storage[sizeof(ProcessLogger)];
  static ProcessLogger* logger = new (storage) ProcessLogger;
  return *logger;
}

Capture::Capture() : previous_(current) { current = this; }

Capture::~Capture() { current = previous_; }

void Capture::add(nvinfer1::ILogger::Severity severity, const char* msg) noexcept {
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    std::deque<std::string>& list = severity == nvinfer1::ILogger::Severity::kWARNING ? warnings_ : errors_;
    list.emplace_back(msg ? msg : "");
    if (list.size() > kKeep) list.pop_front();
  } catch (...) {
    // Logging must never throw into TensorRT.
  }
}

std::vector<std::string> Capture::warnings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {warnings_.begin(), warnings_.end()};
}

std::vector<std::string> Capture::errors() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {errors_.begin(), errors_.end()};
}

std::string Capture::lastError() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return errors_.empty() ? std::string() : errors_.back();
}

}  // namespace trtjs::trt
