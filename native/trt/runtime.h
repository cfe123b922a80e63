// Inference on a deserialized plan, the trtexec way (named tensors: setInputShape, setTensorAddress, enqueueV3).
// Each execution context is a lane for one request at a time: its own CUDA stream, device buffers sized once for
// its optimization profile's maximum shapes, and page-locked host staging that JavaScript reads and writes in place.
// Which profile each context serves and which context takes a request is decided in TypeScript.
#pragma once
#include "trt/namespace.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trt/inspect.h"

namespace trtjs::TRTJS_TRT_NS {

using trt::GraphMode;
using trt::GraphResult;
using trt::ImageInRequest;
using trt::ImageInResult;
using trt::RunOptions;
using trt::RunTiming;

class EngineRuntime final : public trt::Engine {
 public:
  // Deserializes the plan on `device` and describes it (describe().warnings: what TensorRT warned about meanwhile).
  // Throws CodedError (ERR_TRT_UNAVAILABLE, ERR_ENGINE_INCOMPATIBLE, ERR_CUDA).
  EngineRuntime(const uint8_t* plan, size_t size, int device, const LoadOptions& options);
  // Everything is released on the engine's device, whichever thread lets it go and whatever device is current there;
  // the thread's current device is restored afterwards.
  ~EngineRuntime() override;
  EngineRuntime(const EngineRuntime&) = delete;
  EngineRuntime& operator=(const EngineRuntime&) = delete;

  const EngineDesc& describe() const override { return desc_; }

  // Makes one execution context per entry of `profiles`, context c serving optimization profile profiles[c] (0 for an
  // engine without dynamic inputs). With `mapped`, staging memory is mapped into the device's address space and
  // handed to TensorRT directly: no device buffers and no copies (integrated GPUs, where host and device share
  // memory). `memory` chooses what each context reserves for activations (TensorRT 10+ for kProfile). Once per engine;
  // whatever was made before a throw is released. Throws CodedError (ERR_BAD_INPUT, ERR_SHAPE, ERR_CUDA,
  // ERR_ENGINE_INCOMPATIBLE). Returns what TensorRT warned about meanwhile.
  std::vector<std::string> createContexts(const std::vector<int>& profiles, bool mapped, ContextMemory memory) override;

  size_t contextCount() const override;
  // Host staging of IO tensor t (describe().tensors order) of context c, valid while the runtime or `owner` lives.
  Staging staging(size_t c, size_t t) const override;

  // Runs context c on what its input staging holds. inputShapes: one shape per input, in describe().tensors order.
  // Returns one shape per output (same order); their data is then in the output staging. Blocks until the GPU is
  // done. A context takes one request at a time: a second concurrent call on it fails (ERR_NATIVE).
  // With options.timing, `timing` (required then) receives the run's timings.
  std::vector<std::vector<int64_t>> run(size_t c, const std::vector<std::vector<int64_t>>& inputShapes, const RunOptions& options = {},
                                        RunTiming* timing = nullptr) override;

  // Gives each context a page-locked frame staging of `frameBytes` (mapped when the contexts' staging is) for
  // detect(). Once, after createContexts. Throws CodedError (ERR_BAD_INPUT, ERR_CUDA).
  void enableImageIn(size_t frameBytes) override;
  // The frame staging of context c, valid while the runtime or `owner` lives.
  Staging frameStaging(size_t c) const override;
  // Image in, detections out on context c, the frame being in its frame staging: the frame copied to the device
  // (not when mapped), letterboxed by the CUDA kernel straight into the input binding, enqueueV3, decode + NMS by the
  // CUDA kernels on the output request.output, and only the detections copied back. Blocks until the GPU is done;
  // one request per context at a time, as run(). Throws CodedError: ERR_BAD_INPUT (frame larger than the staging, a
  // pixel order or input/output dtype the kernels do not take, bad geometry or decode options), ERR_SHAPE (an input
  // size the profile refuses, an output that is not [1, rows, cols] as the options say), ERR_CUDA with the CUDA
  // error's name for a failure on the device (the context stays usable where CUDA allows), ERR_NATIVE (enqueueV3).
  // With request.graph, the work is captured into a CUDA graph after a plain run and replayed for the next request
  // whose launches are the same (result.graph says which happened); kRequired throws ERR_ENGINE_INCOMPATIBLE when
  // the engine cannot be captured, kAuto then stays on the plain path.
  ImageInResult detect(size_t c, const ImageInRequest& request) override;

 private:
  struct Context;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  EngineDesc desc_;
};

}  // namespace trtjs::TRTJS_TRT_NS
