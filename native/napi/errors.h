// Errors crossing into JavaScript carry a stable `code`; lib/errors.ts turns them into TrtjsError.
#pragma once
#include <napi.h>

#include <stdexcept>
#include <string>

namespace trtjs::napi {

// Thrown from worker threads (no JS there); settled as a rejection with this code.
struct CodedError : std::runtime_error {
  std::string code;
  CodedError(std::string c, const std::string& message) : std::runtime_error(message), code(std::move(c)) {}
};

inline Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Value().Set("code", Napi::String::New(env, code));
  return err;
}

[[noreturn]] inline void throwError(Napi::Env env, const std::string& code, const std::string& message) {
  throw makeError(env, code, message);
}

}  // namespace trtjs::napi
