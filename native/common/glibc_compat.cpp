// Linked into portable builds only (TRTJS_PORTABLE, the prebuilds), which must load on glibc 2.28: definitions of
// the few glibc symbols newer than that which the statically linked libstdc++ refers to. Each is hidden, so every use
// in the addon binds to it and nothing is imported from glibc under that name. scripts/check-glibc.sh fails the build
// if another such symbol appears.
#include <sys/random.h>

#include <cstdint>
#include <cstdlib>

extern "C" {

// GCC 11+ headers read __libc_single_threaded (glibc 2.32) to skip atomic reference counting in single-threaded
// processes. Zero means "maybe threaded": always the atomic path, correct everywhere (the addon runs libuv worker
// threads anyway).
__attribute__((visibility("hidden"))) char __libc_single_threaded = 0;

// std::random_device's "default" source (glibc 2.36), in libstdc++'s random.o, which its string code pulls in. trtjs
// never makes a random_device; should anything ever, getrandom (glibc 2.25) gives the same bytes.
__attribute__((visibility("hidden"))) uint32_t arc4random(void) {
  uint32_t value = 0;
  if (getrandom(&value, sizeof value, 0) != static_cast<ssize_t>(sizeof value)) std::abort();
  return value;
}

}  // extern "C"
