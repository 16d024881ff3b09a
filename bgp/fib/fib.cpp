#include "bgp/fib/fib.h"

#include <fmt/format.h>

#include "base/check.h"

namespace bgpdemo::bgp::fib {

void Batch::Replace(const wire::Prefix& prefix, std::span<const wire::IpAddress> next_hops) {
  BGPDEMO_CHECK(!next_hops.empty() && next_hops.size() <= 0xffff);
  ops_.push_back(Op{prefix, static_cast<std::uint32_t>(hops_.size()),
                    static_cast<std::uint16_t>(next_hops.size())});
  hops_.insert(hops_.end(), next_hops.begin(), next_hops.end());
}

void Batch::Remove(const wire::Prefix& prefix) {
  ops_.push_back(Op{prefix, 0, 0});
}

Result<void, std::string> Fib::Replace(const Route& route) {
  Batch b;
  if (route.next_hops.empty()) {
    b.Remove(route.prefix);
  } else {
    b.Replace(route.prefix, route.next_hops);
  }
  std::vector<ItemError> errors;
  if (auto r = Apply(b, errors); !r) return r;
  if (!errors.empty()) {
    return Fail(fmt::format("replace route {}: {}", route.prefix.ToString(), errors[0].error));
  }
  return {};
}

Result<void, std::string> Fib::Remove(const wire::Prefix& prefix) {
  Batch b;
  b.Remove(prefix);
  std::vector<ItemError> errors;
  if (auto r = Apply(b, errors); !r) return r;
  if (!errors.empty()) {
    return Fail(fmt::format("remove route {}: {}", prefix.ToString(), errors[0].error));
  }
  return {};
}

Result<std::size_t, std::string> Fib::Flush() {
  auto routes = List();
  if (!routes) return Fail(routes.error());
  Batch b;
  for (const auto& r : *routes) b.Remove(r.prefix);
  std::vector<ItemError> errors;
  if (auto r = Apply(b, errors); !r) return Fail(r.error());
  if (!errors.empty()) {
    return Fail(fmt::format("remove route {}: {}", b.ops()[errors[0].index].prefix.ToString(),
                            errors[0].error));
  }
  return routes->size();
}

Result<void, std::string> FakeFib::Apply(const Batch& batch, std::vector<ItemError>& errors) {
  ++batches_;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& op = batch.ops()[i];
    ++operations_;
    ++per_prefix_[op.prefix];
    if (!fail_.empty()) {
      errors.push_back({i, std::exchange(fail_, {})});
      continue;
    }
    if (const auto it = fail_prefix_.find(op.prefix); it != fail_prefix_.end()) {
      errors.push_back({i, it->second});
      continue;
    }
    if (op.remove()) {
      routes_.erase(op.prefix);
      continue;
    }
    const auto hops = batch.NextHops(op);
    routes_[op.prefix] = Route{op.prefix, {hops.begin(), hops.end()}};
  }
  return {};
}

Result<std::vector<Route>, std::string> FakeFib::List() {
  std::vector<Route> out;
  for (const auto& [p, r] : routes_) out.push_back(r);
  return out;
}

}  // namespace bgpdemo::bgp::fib
