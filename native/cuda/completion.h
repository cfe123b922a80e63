// PROTOTYPE, UNVERIFIED (written without a GPU): three ways for the addon to learn that a stream's work finished, for
// issue 15's "completion without a blocked libuv thread". bench/completion.bench.ts measures one round trip
// (JS → GPU → resolved Promise) with each against a raw C++ launch-and-synchronize loop:
//   worker  — a libuv thread-pool thread blocks in cudaStreamSynchronize (what the engine runtime does today);
//   hostfn  — cudaLaunchHostFunc on the stream calls back on a CUDA driver thread, which hands over to JS;
//   poller  — one completion thread per process spin-waits on recorded events (as trtexec does) and hands over.
// The work is one tiny kernel, so the figures are the mechanisms' own overhead.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace trtjs::cuda {

struct Probe {
  int device = 0;
  void* stream = nullptr;  // cudaStream_t
  int* counter = nullptr;  // one int of device memory the kernel increments
};

// Returns "" or "<step>: <CUDA error name>: <message>".
std::string probeCreate(int device, Probe& probe);
void probeDestroy(Probe& probe);
std::string probeEnqueue(const Probe& probe);      // the tiny kernel
std::string probeSynchronize(const Probe& probe);  // cudaStreamSynchronize
// cudaLaunchHostFunc: fn(arg) runs on a CUDA driver thread once the work enqueued before it finished; it must not
// call CUDA.
std::string probeHostFunc(const Probe& probe, void (*fn)(void*), void* arg);
// Mean microseconds of `iterations` launch + cudaStreamSynchronize pairs in a C++ loop: the floor for a round trip.
std::string probeRawLoop(const Probe& probe, int iterations, double& micros);

// One thread that spin-waits on events: watch() records an event on the probe's stream and calls done(arg, error)
// from the polling thread once the event completed ("" on success). Spins only while something is pending.
class EventPoller {
 public:
  using Done = void (*)(void* arg, const std::string& error);
  EventPoller();
  ~EventPoller();
  EventPoller(const EventPoller&) = delete;
  EventPoller& operator=(const EventPoller&) = delete;
  std::string watch(const Probe& probe, Done done, void* arg);

 private:
  struct Item {
    void* event;  // cudaEvent_t
    Done done;
    void* arg;
  };
  void run();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> pending_;
  std::vector<void*> freeEvents_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace trtjs::cuda
