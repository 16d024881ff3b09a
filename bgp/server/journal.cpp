#include "bgp/server/journal.h"

#include <algorithm>

namespace bgpdemo::bgp::server {

std::string_view ToString(Journal::Kind kind) {
  switch (kind) {
    case Journal::Kind::kSessionUp:
      return "session_up";
    case Journal::Kind::kSessionDown:
      return "session_down";
    case Journal::Kind::kRoute:
      return "route";
    case Journal::Kind::kWithdrawn:
      return "withdrawn";
    case Journal::Kind::kRoutes:
      return "routes";
  }
  return "unknown";
}

void Journal::Add(Entry e) {
  std::lock_guard lock(mu_);
  e.seq = next_++;
  if (entries_.size() == kCapacity) entries_.pop_front();
  entries_.push_back(std::move(e));
}

void Journal::SessionUp(const wire::IpAddress& peer, std::string hostname) {
  Add({0, std::chrono::system_clock::now(), Kind::kSessionUp, peer, {}, 0, std::move(hostname)});
}

void Journal::SessionDown(const wire::IpAddress& peer, std::string reason) {
  Add({0, std::chrono::system_clock::now(), Kind::kSessionDown, peer, {}, 0, std::move(reason)});
}

void Journal::OnChanges(const rib::Rib& rib, const rib::ChangeSet& changes) {
  // Only what moves a best path or its ECMP set: another candidate changing is no news.
  std::size_t n = 0;
  for (const auto& c : changes.changes) n += c.best_changed || c.multipath_changed || !c.best;
  if (n == 0) return;
  const auto now = std::chrono::system_clock::now();
  auto address = [&](rib::PeerId id) {
    const auto* p = id == rib::kNoPeer ? nullptr : rib.Peer(id);
    return p ? p->address : wire::IpAddress{};
  };
  if (n >= kDetail) {
    // Where they came from, when one peer's paths are the best of all of them.
    std::optional<rib::PeerId> from;
    for (const auto& c : changes.changes) {
      if (!c.best) continue;
      if (from && *from != c.best->peer) {
        from = rib::kNoPeer;
        break;
      }
      from = c.best->peer;
    }
    Add({0, now, Kind::kRoutes, address(from.value_or(rib::kNoPeer)), {}, n, {}});
    return;
  }
  for (const auto& c : changes.changes) {
    if (!c.best) {
      Add({0, now, Kind::kWithdrawn, {}, c.prefix, 0, {}});
    } else if (c.best_changed || c.multipath_changed) {
      Add({0,
           now,
           Kind::kRoute,
           address(c.best->peer),
           c.prefix,
           std::max<std::size_t>(1, rib.Multipath(c.prefix).size()),
           {}});
    }
  }
}

std::vector<Journal::Entry> Journal::After(std::uint64_t after, std::uint64_t* dropped) const {
  std::lock_guard lock(mu_);
  std::vector<Entry> out;
  const std::uint64_t oldest = entries_.empty() ? next_ : entries_.front().seq;
  if (dropped != nullptr) *dropped = oldest > after + 1 ? oldest - after - 1 : 0;
  for (const auto& e : entries_) {
    if (e.seq > after) out.push_back(e);
  }
  return out;
}

}  // namespace bgpdemo::bgp::server
