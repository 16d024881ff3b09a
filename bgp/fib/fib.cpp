#include "bgp/fib/fib.h"

namespace bgpdemo::bgp::fib {

Result<std::size_t, std::string> Fib::Flush() {
  auto routes = List();
  if (!routes) return Fail(routes.error());
  for (const auto& r : *routes) {
    if (auto res = Remove(r.prefix); !res) return Fail(res.error());
  }
  return routes->size();
}

Result<void, std::string> FakeFib::Replace(const Route& route) {
  ++operations_;
  if (!fail_.empty()) return Fail(std::exchange(fail_, {}));
  routes_[route.prefix] = route;
  return {};
}

Result<void, std::string> FakeFib::Remove(const wire::Prefix& prefix) {
  ++operations_;
  if (!fail_.empty()) return Fail(std::exchange(fail_, {}));
  routes_.erase(prefix);
  return {};
}

Result<std::vector<Route>, std::string> FakeFib::List() {
  std::vector<Route> out;
  for (const auto& [p, r] : routes_) out.push_back(r);
  return out;
}

}  // namespace bgpdemo::bgp::fib
