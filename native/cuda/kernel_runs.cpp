#include "cuda/kernel_runs.h"

#include <cuda_runtime_api.h>

#include <chrono>
#include <cstring>

#include "cuda/check.h"
#include "cuda/kernels.h"

namespace trtjs::cuda {

namespace {

// Everything a run allocated, released on every path.
struct Run {
  std::vector<void*> device;
  std::vector<void*> pinned;
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  std::string error;

  ~Run() {
    if (stream) cudaStreamSynchronize(stream);
    for (void* p : device) cudaFree(p);
    for (void* p : pinned) cudaFreeHost(p);
    if (start) cudaEventDestroy(start);
    if (stop) cudaEventDestroy(stop);
    if (stream) cudaStreamDestroy(stream);
    cudaGetLastError();  // leave no non-sticky error behind for the next caller
  }
  bool ok(const char* step, cudaError_t err) {
    if (err == cudaSuccess) return true;
    if (error.empty()) error = describe(step, err);
    return false;
  }
  bool begin(int dev) {
    return ok("cudaSetDevice", cudaSetDevice(dev)) && ok("cudaStreamCreate", cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking)) &&
           ok("cudaEventCreate", cudaEventCreate(&start)) && ok("cudaEventCreate", cudaEventCreate(&stop));
  }
  template <typename T>
  bool alloc(const char* what, int64_t bytes, T*& out) {
    void* p = nullptr;
    if (!ok(what, cudaMalloc(&p, static_cast<size_t>(bytes > 0 ? bytes : 1)))) return false;
    device.push_back(p);
    out = static_cast<T*>(p);
    return true;
  }
  template <typename T>
  bool allocHost(const char* what, int64_t bytes, T*& out) {
    void* p = nullptr;
    if (!ok(what, cudaMallocHost(&p, static_cast<size_t>(bytes > 0 ? bytes : 1)))) return false;
    pinned.push_back(p);
    out = static_cast<T*>(p);
    return true;
  }
  // Runs `launch` `iterations` times; with timings, events around each launch and the host clock around
  // launch + `after` + synchronise.
  template <class Launch, class After>
  bool repeat(int iterations, KernelTimings* timings, Launch&& launch, After&& after) {
    for (int i = 0; i < (iterations > 0 ? iterations : 1); ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      if (timings && !ok("cudaEventRecord", cudaEventRecord(start, stream))) return false;
      if (!ok("kernel launch", launch())) return false;
      if (timings && !ok("cudaEventRecord", cudaEventRecord(stop, stream))) return false;
      if (!after()) return false;
      if (!ok("cudaStreamSynchronize", cudaStreamSynchronize(stream))) return false;
      if (timings) {
        const auto t1 = std::chrono::steady_clock::now();
        float ms = 0;
        if (!ok("cudaEventElapsedTime", cudaEventElapsedTime(&ms, start, stop))) return false;
        timings->kernelMicros.push_back(1000.0 * ms);
        timings->roundTripMicros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    }
    return true;
  }
};

}  // namespace

std::string letterboxOnDevice(int device, const LetterboxLaunch& hostLaunch, int64_t srcBytes, int64_t outBytes, int iterations, KernelTimings* timings) {
  Run run;
  LetterboxLaunch L = hostLaunch;
  uint8_t* src = nullptr;
  void* out = nullptr;
  if (!run.begin(device) || !run.alloc("cudaMalloc (frames)", srcBytes, src) || !run.alloc("cudaMalloc (tensor)", outBytes, out) ||
      !run.ok("cudaMemcpy (frames)", cudaMemcpyAsync(src, hostLaunch.src, static_cast<size_t>(srcBytes), cudaMemcpyHostToDevice, run.stream)))
    return run.error;
  L.src = src;
  L.out = out;
  if (!run.repeat(
          iterations, timings, [&] { return launchLetterbox(L, run.stream); }, [] { return true; }) ||
      !run.ok("cudaMemcpy (tensor)", cudaMemcpyAsync(hostLaunch.out, out, static_cast<size_t>(outBytes), cudaMemcpyDeviceToHost, run.stream)) ||
      !run.ok("cudaStreamSynchronize", cudaStreamSynchronize(run.stream)))
    return run.error;
  return "";
}

std::string decodeOnDevice(int device, const DecodeLaunch& hostLaunch, int64_t dataBytes, int iterations, KernelTimings* timings, std::vector<uint8_t>& out) {
  Run run;
  DecodeLaunch L = hostLaunch;
  const int64_t outBytes = decodeOutputBytes(L);
  uint8_t *data = nullptr, *ws = nullptr, *devOut = nullptr, *hostOut = nullptr;
  int32_t* classes = nullptr;
  if (!run.begin(device) || !run.alloc("cudaMalloc (output tensor)", dataBytes, data) || !run.alloc("cudaMalloc (workspace)", decodeWorkspaceBytes(L), ws) ||
      !run.alloc("cudaMalloc (detections)", outBytes, devOut) || !run.allocHost("cudaMallocHost (detections)", outBytes, hostOut) ||
      !run.ok("cudaMemcpy (output tensor)", cudaMemcpyAsync(data, hostLaunch.data, static_cast<size_t>(dataBytes), cudaMemcpyHostToDevice, run.stream)))
    return run.error;
  if (hostLaunch.classes != nullptr) {
    const int64_t bytes = 4 * int64_t{hostLaunch.numClasses};
    if (!run.alloc("cudaMalloc (classes)", bytes, classes) ||
        !run.ok("cudaMemcpy (classes)", cudaMemcpyAsync(classes, hostLaunch.classes, static_cast<size_t>(bytes), cudaMemcpyHostToDevice, run.stream)))
      return run.error;
    L.classes = classes;
  }
  L.data = data;
  L.out = devOut;
  bindDecodeWorkspace(L, ws);
  // A runtime copies back only the detections: the whole output block here (one copy for every item).
  if (!run.repeat(
          iterations, timings, [&] { return launchDecode(L, run.stream); },
          [&] {
            return run.ok("cudaMemcpy (detections)", cudaMemcpyAsync(hostOut, devOut, static_cast<size_t>(outBytes), cudaMemcpyDeviceToHost, run.stream));
          }))
    return run.error;
  out.assign(hostOut, hostOut + outBytes);
  return "";
}

}  // namespace trtjs::cuda
