#include "trt/logger.h"

#include <algorithm>
#include <cstdio>
#include <new>

namespace trtjs::TRTJS_TRT_NS {

namespace {

thread_local Capture* current = nullptr;

// Captures that adopt orphan messages. Never destroyed: TensorRT may log while static destructors run at exit.
struct Adopters {
  std::mutex mutex;
  std::vector<Capture*> list;
};
Adopters& adopters() {
  static Adopters* a = new Adopters;
  return *a;
}

class ProcessLogger : public nvinfer1::ILogger {
 public:
  void log(Severity severity, char const* msg) noexcept override {
    if (severity > Severity::kWARNING) return;
    if (current) {
      current->add(severity, msg);
      return;
    }
    bool adopted = false;
    try {
      Adopters& a = adopters();
      std::lock_guard<std::mutex> lock(a.mutex);
      for (Capture* c : a.list) c->add(severity, msg);
      adopted = !a.list.empty();
    } catch (...) {
    }
    // Logged outside any trtjs call: an error must not vanish.
    if (!adopted && severity <= Severity::kERROR) std::fprintf(stderr, "[trtjs] TensorRT error: %s\n", msg ? msg : "");
  }
};

}  // namespace

nvinfer1::ILogger& processLogger() {
  alignas(ProcessLogger) static unsigned char storage[sizeof(ProcessLogger)];
  static ProcessLogger* logger = new (storage) ProcessLogger;
  return *logger;
}

Capture::Capture(bool adoptOrphans) : previous_(current), adoptsOrphans_(adoptOrphans) {
  current = this;
  if (adoptsOrphans_) {
    Adopters& a = adopters();
    std::lock_guard<std::mutex> lock(a.mutex);
    a.list.push_back(this);
  }
}

Capture::~Capture() {
  current = previous_;
  if (adoptsOrphans_) {
    Adopters& a = adopters();
    std::lock_guard<std::mutex> lock(a.mutex);
    a.list.erase(std::remove(a.list.begin(), a.list.end(), this), a.list.end());
  }
}

void Capture::add(nvinfer1::ILogger::Severity severity, const char* msg) noexcept {
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool warning = severity == nvinfer1::ILogger::Severity::kWARNING;
    std::vector<std::string>& list = warning ? warnings_ : errors_;
    if (!warning) lastError_ = msg ? msg : "";
    if (list.size() < kKeep) {
      list.emplace_back(msg ? msg : "");
    } else {
      ++(warning ? droppedWarnings_ : droppedErrors_);
    }
  } catch (...) {
    // Logging must never throw into TensorRT.
  }
}

namespace {
std::vector<std::string> withDropped(std::vector<std::string> list, size_t dropped) {
  if (dropped) list.push_back("(" + std::to_string(dropped) + " more not kept)");
  return list;
}
}  // namespace

std::vector<std::string> Capture::warnings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return withDropped(warnings_, droppedWarnings_);
}

std::vector<std::string> Capture::errors() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return withDropped(errors_, droppedErrors_);
}

std::string Capture::lastError() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lastError_;
}

}  // namespace trtjs::TRTJS_TRT_NS
