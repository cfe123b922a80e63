// The one exception type the native layers throw: a stable trtjs error code plus a message. The N-API glue
// turns it into a rejected Promise whose error carries `code` (lib/errors.ts maps it to TrtjsError).
#pragma once
#include <stdexcept>
#include <string>

namespace trtjs {

struct CodedError : std::runtime_error {
  std::string code;
  CodedError(std::string c, const std::string& message) : std::runtime_error(message), code(std::move(c)) {}
};

}  // namespace trtjs
