// Overloaded: a visitor built from lambdas, for std::visit.
#pragma once

namespace bgpdemo {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace bgpdemo
