// SPDX-License-Identifier: GPL-3.0-or-later
// Errors travel as values: nothing in lens_core throws across its public API or a thread boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace lens {

enum class ErrorCode {
  InvalidInput,   // a file or argument is malformed
  NotFound,       // a file, tensor or id does not exist
  Unsupported,    // well-formed, but a feature this build does not implement
  Io,             // the OS refused a read or write
  OutOfMemory,    // host or device memory ran out
  Cancelled,      // the caller asked to stop
  Internal,       // a bug: please report
};

const char* errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;  // says what, where, and what to do

  std::string describe() const { return std::string(errorCodeName(code)) + ": " + message; }
};

inline Error makeError(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

// A value or an error. Minimal std::expected for C++17.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Error error) : m_v(std::move(error)) {}    // NOLINT(google-explicit-constructor)

  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(value()); }
  const Error& error() const { return std::get<1>(m_v); }

 private:
  std::variant<T, Error> m_v;
};

// Result<void>.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : m_error(std::move(error)), m_ok(false) {}  // NOLINT(google-explicit-constructor)
  static Status success() { return Status(); }
  bool ok() const { return m_ok; }
  explicit operator bool() const { return m_ok; }
  const Error& error() const { return m_error; }

 private:
  Error m_error;
  bool m_ok = true;
};

}  // namespace lens

// Propagate an error from an expression returning Result<T> or Status.
#define LENS_TRY_STATUS(expr)                  \
  do {                                         \
    auto lens_try_status_ = (expr);            \
    if (!lens_try_status_.ok()) return lens_try_status_.error(); \
  } while (0)
