#include "bgp/server/fib_sync.h"

#include <algorithm>
#include <set>

namespace bgpdemo::bgp::server {

Result<std::size_t, std::string> FibSync::Start() {
  auto n = fib_.Flush();
  if (!n) return Fail(n.error());
  if (*n > 0) log_.Info("fib_flush", {{"stale_routes", std::to_string(*n)}});
  return *n;
}

void FibSync::OnChanges(const rib::Rib& rib, const rib::ChangeSet& changes) {
  // A prefix may appear more than once in a ChangeSet; its current state is in the RIB.
  std::set<wire::Prefix> seen;
  for (const auto& c : changes.changes) {
    if (!seen.insert(c.prefix).second) continue;
    fib::Route want{c.prefix, {}};
    for (const auto& p : rib.Multipath(c.prefix)) {
      if (p.peer == Server::kLocalPeer || !p.attrs) continue;
      const auto& nh = p.attrs->next_hop();
      // Cilium sends IPv6 routes over IPv4 sessions with ::ffff:a.b.c.d (bgp-interop.md):
      // no IPv6 gateway the kernel could use, so such routes are left out (and counted).
      if (nh.afi != c.prefix.afi || nh.IsV4Mapped()) {
        ++unusable_;
        log_.Debug("fib_skip", {{"prefix", c.prefix.ToString()},
                                {"next_hop", nh.ToString()},
                                {"reason", "next hop of another address family"}});
        continue;
      }
      want.next_hops.push_back(nh);
    }
    std::sort(want.next_hops.begin(), want.next_hops.end(), [](const auto& a, const auto& b) {
      return std::tie(a.afi, a.bytes) < std::tie(b.afi, b.bytes);
    });
    want.next_hops.erase(std::unique(want.next_hops.begin(), want.next_hops.end()),
                         want.next_hops.end());
    const auto it = installed_.find(c.prefix);
    if (want.next_hops.empty()) {
      if (it == installed_.end()) continue;
      if (auto r = fib_.Remove(c.prefix); !r) {
        ++errors_;
        log_.Error("fib_remove_failed", {{"prefix", c.prefix.ToString()}, {"error", r.error()}});
        continue;
      }
      installed_.erase(it);
      continue;
    }
    if (it != installed_.end() && it->second == want) continue;
    if (auto r = fib_.Replace(want); !r) {
      ++errors_;
      log_.Error("fib_replace_failed", {{"prefix", c.prefix.ToString()}, {"error", r.error()}});
      continue;
    }
    installed_[c.prefix] = std::move(want);
  }
}

void FibSync::Stop(bool keep) {
  if (keep) {
    log_.Info("fib_keep", {{"routes", std::to_string(installed_.size())}});
    return;
  }
  for (const auto& [prefix, route] : installed_) {
    if (auto r = fib_.Remove(prefix); !r) {
      log_.Error("fib_remove_failed", {{"prefix", prefix.ToString()}, {"error", r.error()}});
    }
  }
  log_.Info("fib_removed", {{"routes", std::to_string(installed_.size())}});
  installed_.clear();
}

}  // namespace bgpdemo::bgp::server
