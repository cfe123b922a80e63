// PROTOTYPE, UNVERIFIED: see completion.h.
#include "cuda/completion.h"

#include <cuda_runtime_api.h>

#include <chrono>

#include "cuda/check.h"

namespace trtjs::cuda {

cudaError_t launchTouch(int* counter, cudaStream_t stream);  // completion_probe.cu

namespace {
cudaStream_t streamOf(const Probe& p) { return static_cast<cudaStream_t>(p.stream); }
}  // namespace

std::string probeCreate(int device, Probe& probe) {
  probe.device = device;
  std::string err = describe("cudaSetDevice", cudaSetDevice(device));
  cudaStream_t stream = nullptr;
  if (err.empty()) err = describe("cudaStreamCreate", cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  probe.stream = stream;
  if (err.empty()) err = describe("cudaMalloc", cudaMalloc(reinterpret_cast<void**>(&probe.counter), sizeof(int)));
  if (!err.empty()) {
    probeDestroy(probe);
    cudaGetLastError();
  }
  return err;
}

void probeDestroy(Probe& probe) {
  if (probe.stream) cudaStreamSynchronize(streamOf(probe));
  if (probe.counter) cudaFree(probe.counter);
  if (probe.stream) cudaStreamDestroy(streamOf(probe));
  probe.counter = nullptr;
  probe.stream = nullptr;
}

std::string probeEnqueue(const Probe& probe) { return describe("kernel launch", launchTouch(probe.counter, streamOf(probe))); }

std::string probeSynchronize(const Probe& probe) { return describe("cudaStreamSynchronize", cudaStreamSynchronize(streamOf(probe))); }

std::string probeHostFunc(const Probe& probe, void (*fn)(void*), void* arg) {
  return describe("cudaLaunchHostFunc", cudaLaunchHostFunc(streamOf(probe), fn, arg));
}

std::string probeRawLoop(const Probe& probe, int iterations, double& micros) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    std::string err = probeEnqueue(probe);
    if (err.empty()) err = probeSynchronize(probe);
    if (!err.empty()) return err;
  }
  micros = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / (iterations > 0 ? iterations : 1);
  return "";
}

EventPoller::EventPoller() : thread_([this] { run(); }) {}

EventPoller::~EventPoller() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  for (void* e : freeEvents_) cudaEventDestroy(static_cast<cudaEvent_t>(e));
}

std::string EventPoller::watch(const Probe& probe, Done done, void* arg) {
  cudaEvent_t event = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!freeEvents_.empty()) {
      event = static_cast<cudaEvent_t>(freeEvents_.back());
      freeEvents_.pop_back();
    }
  }
  if (!event) {
    std::string err = describe("cudaEventCreate", cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
    if (!err.empty()) return err;
  }
  std::string err = describe("cudaEventRecord", cudaEventRecord(event, streamOf(probe)));
  if (!err.empty()) {
    cudaEventDestroy(event);
    return err;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(Item{event, done, arg});
  }
  wake_.notify_one();
  return "";
}

void EventPoller::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !pending_.empty(); });
    if (stop_ && pending_.empty()) return;
    // Spin over everything pending (events of several streams complete in any order), yielding between sweeps.
    std::vector<Item> finished;
    std::vector<std::string> errors;
    for (auto it = pending_.begin(); it != pending_.end();) {
      const cudaError_t status = cudaEventQuery(static_cast<cudaEvent_t>(it->event));
      if (status == cudaErrorNotReady) {
        ++it;
        continue;
      }
      finished.push_back(*it);
      errors.push_back(describe("cudaEventQuery", status));
      it = pending_.erase(it);
    }
    for (const Item& f : finished) freeEvents_.push_back(f.event);
    lock.unlock();
    for (size_t i = 0; i < finished.size(); ++i) finished[i].done(finished[i].arg, errors[i]);
    if (finished.empty()) std::this_thread::yield();
    lock.lock();
  }
}

}  // namespace trtjs::cuda
