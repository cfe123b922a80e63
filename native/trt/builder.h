// ONNX → serialized TensorRT plan, the way trtexec does it: parse, one optimization profile per entry,
// builder flags, timing cache, build. Holds no policy: shapes, defaults and FP16 strategy come from lib/build.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace trtjs::trt {

struct ProfileInput {
  std::string name;
  std::vector<int64_t> min, opt, max;
};

struct BuildParams {
  bool fp16 = false;           // builder flag (TensorRT <= 10)
  bool stronglyTyped = false;  // network flag (TensorRT 10; implied on 11)
  size_t workspace = 0;        // 0: TensorRT's default
  int optimizationLevel = -1;  // -1: TensorRT's default
  int device = 0;
  std::vector<std::vector<ProfileInput>> profiles;
  std::vector<uint8_t> timingCache;
};

struct BuildResult {
  std::vector<uint8_t> plan;
  std::vector<uint8_t> timingCache;
  int networkLayers = 0;
  std::string engineInfo;  // IEngineInspector JSON (layer precisions), "" when unavailable
  std::vector<std::string> warnings;
};

// Called from the build thread: (phase, step, steps); returning false cancels the build.
using Progress = std::function<bool(const std::string& phase, int step, int steps)>;

// Throws CodedError: ERR_TRT_UNAVAILABLE, ERR_BUILD (with every parser error), ERR_SHAPE, ERR_CUDA, ERR_ABORTED.
BuildResult buildEngine(const uint8_t* onnx, size_t size, const BuildParams& params, const Progress& progress);

}  // namespace trtjs::trt
