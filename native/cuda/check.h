// The one way trtjs words a CUDA runtime error: "<step>: cudaErrorName: description", used by the CUDA layer, its
// kernels' hosts and the TensorRT layer alike, so every message a user sees from CUDA reads the same.
#pragma once
#include <cuda_runtime_api.h>

#include <string>

#include "common/coded_error.h"

namespace trtjs::cuda {

// "cudaErrorMemoryAllocation: out of memory".
inline std::string errorText(cudaError_t err) {
  const char* name = cudaGetErrorName(err);
  const char* text = cudaGetErrorString(err);
  return std::string(name ? name : "cudaError") + ": " + (text ? text : "unknown error");
}

// "" on success, else "<step>: <errorText>".
inline std::string describe(const std::string& step, cudaError_t err) { return err == cudaSuccess ? std::string() : step + ": " + errorText(err); }

// Throws CodedError ERR_CUDA "<step>: <errorText>" unless err is cudaSuccess.
inline void check(cudaError_t err, const std::string& step) {
  if (err != cudaSuccess) throw CodedError("ERR_CUDA", step + ": " + errorText(err));
}

// Makes `device` current for the life of the guard and restores the caller's device after, so work done on another
// thread's behalf (a libuv worker, a finalizer) never leaves that thread on the wrong device, and teardown of what was
// made on `device` happens there. `ok()` says whether the switch succeeded (error() says why not).
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    if (cudaGetDevice(&previous_) != cudaSuccess) previous_ = -1;
    error_ = cudaSetDevice(device);
  }
  ~DeviceGuard() {
    if (previous_ >= 0) cudaSetDevice(previous_);
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;
  bool ok() const { return error_ == cudaSuccess; }
  cudaError_t error() const { return error_; }

 private:
  int previous_ = -1;
  cudaError_t error_ = cudaSuccess;
};

}  // namespace trtjs::cuda
