// Result<T, E>: a value or an error, with the shape of C++23's std::expected.
//
// The engine never throws on a peer's bytes: every fallible function returns a Result.
// g++ 12 ships no std::expected, so this is the small subset the project uses. Above the
// engine the error type is bgpdemo::Error (base/error.h), which carries a kind.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/check.h"

namespace bgpdemo {

// Wraps an error so that Result's constructor can tell it from a value.
template <typename E>
struct Unexpected {
  E error;
};

template <typename E>
Unexpected<std::decay_t<E>> Fail(E&& error) {
  return Unexpected<std::decay_t<E>>{std::forward<E>(error)};
}

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected<E> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT
  // An error of another type that E can be made from (a message into an Error, an Error
  // passed up into a Result of another value type).
  template <typename G>
    requires(!std::is_same_v<G, E> && std::is_constructible_v<E, G>)
  Result(Unexpected<G> e) : v_(std::in_place_index<1>, E(std::move(e.error))) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    BGPDEMO_CHECK(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    BGPDEMO_CHECK(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    BGPDEMO_CHECK(has_value());
    return std::get<0>(std::move(v_));
  }
  const E& error() const& {
    BGPDEMO_CHECK(!has_value());
    return std::get<1>(v_);
  }
  E&& error() && {
    BGPDEMO_CHECK(!has_value());
    return std::get<1>(std::move(v_));
  }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, E> v_;
};

// Result<void, E>: success carries nothing.
template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(Unexpected<E> e) : error_(std::move(e.error)) {}  // NOLINT: implicit by design
  template <typename G>
    requires(!std::is_same_v<G, E> && std::is_constructible_v<E, G>)
  Result(Unexpected<G> e) : error_(E(std::move(e.error))) {}  // NOLINT

  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  const E& error() const& {
    BGPDEMO_CHECK(error_.has_value());
    return *error_;
  }
  E&& error() && {
    BGPDEMO_CHECK(error_.has_value());
    return std::move(*error_);
  }

 private:
  std::optional<E> error_;
};

}  // namespace bgpdemo
