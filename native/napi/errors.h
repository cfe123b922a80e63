// Errors crossing into JavaScript carry a stable `code`; lib/errors.ts turns them into TrtjsError.
#pragma once
#include <napi.h>

#include <string>

#include "common/coded_error.h"

namespace trtjs::napi {

// Thrown from worker threads (no JS there); settled as a rejection with this code.
using trtjs::CodedError;

inline Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Value().Set("code", Napi::String::New(env, code));
  return err;
}

[[noreturn]] inline void throwError(Napi::Env env, const std::string& code, const std::string& message) { throw makeError(env, code, message); }

}  // namespace trtjs::napi
