#include "bgp/server/fib_sync.h"

#include <algorithm>

namespace bgpdemo::bgp::server {

namespace {

bool AddressLess(const wire::IpAddress& a, const wire::IpAddress& b) {
  return std::tie(a.afi, a.bytes) < std::tie(b.afi, b.bytes);
}

}  // namespace

FibSync::FibSync(fib::Fib& fib, Logger& log) : fib_(fib), log_(log) {
  writer_ = std::make_unique<fib::FibWriter>(
      fib_,
      [this](const fib::Batch& b, const Result<void, std::string>& r,
             const std::vector<fib::ItemError>& errors) { OnResult(b, r, errors); },
      [this] { Wake(); });
}

FibSync::~FibSync() {
  *alive_ = false;
  writer_.reset();  // applies what was submitted, joins: no callback after this
}

Result<std::size_t, std::string> FibSync::Start(Predecessor predecessor) {
  if (predecessor == Predecessor::kAdopt) {
    Result<std::vector<fib::Route>, std::string> routes = std::vector<fib::Route>{};
    writer_->Run([&](fib::Fib& f) { routes = f.List(); });
    if (!routes) return Fail(routes.error());
    adopted_.clear();
    for (const auto& r : *routes) adopted_.push_back(r.prefix);
    log_.Info("fib_adopt", {{"routes", std::to_string(adopted_.size())},
                            {"until", "the graceful restart completes"}});
    return adopted_.size();
  }
  Result<std::size_t, std::string> n = std::size_t{0};
  writer_->Run([&](fib::Fib& f) { n = f.Flush(); });
  if (!n) return Fail(n.error());
  if (*n > 0) log_.Info("fib_flush", {{"stale_routes", std::to_string(*n)}});
  return *n;
}

void FibSync::OnRestartComplete(const rib::Rib& rib) {
  if (stopped_) return;
  rib_ = &rib;
  std::size_t swept = 0;
  for (const auto& prefix : adopted_) {
    const auto best = rib.Best(prefix);
    if (best && best->peer != Server::kLocalPeer) continue;  // written again, or it will be
    removals_.push_back(prefix);
    ++swept;
  }
  log_.Info("fib_sweep", {{"kept", std::to_string(adopted_.size() - swept)},
                          {"removed", std::to_string(swept)}});
  adopted_ = {};
  Pump();
}

void FibSync::Fit(std::size_t a) {
  const std::size_t size = rib_->TableSize(a == 0 ? wire::Afi::kIpv4 : wire::Afi::kIpv6);
  auto& flags = flags_[a];
  // Items past the table's end were emptied, which cleared their flags (OnChanges).
  for (std::size_t i = size; i < flags.size(); ++i) {
    if ((flags[i] & kDirty) != 0) --dirty_;
    if ((flags[i] & kWritten) != 0) --written_;
  }
  flags.resize(size, 0);
  low_[a] = std::min(low_[a], size);
}

void FibSync::OnChanges(const rib::Rib& rib, const rib::ChangeSet& changes) {
  if (stopped_) return;
  if (&rib != rib_) {
    // A new RIB (a reload that restarts everything): the old one's routes were withdrawn
    // through changes before it went, so its flags have nothing left to say.
    rib_ = &rib;
    for (auto& f : flags_) f.clear();
    low_ = {};
    dirty_ = 0;
    written_ = 0;
  }
  Fit(0);
  Fit(1);
  for (const auto& c : changes.changes) {
    // Only another candidate changed: the FIB route is the same (rib.h).
    if (!c.best_changed && !c.multipath_changed) continue;
    const std::size_t a = Index(c.prefix.afi);
    BGPDEMO_CHECK(c.index < flags_[a].size());  // ChangeSets are observed before Compact
    std::uint8_t& f = flags_[a][c.index];
    if (c.best) {
      if ((f & kDirty) == 0) ++dirty_;
      f |= kDirty;
      low_[a] = std::min<std::size_t>(low_[a], c.index);
      continue;
    }
    // No route: its item may be gone by the time a batch is filled, so the removal is
    // queued by prefix, and only for a prefix a route was sent for.
    if ((f & kDirty) != 0) --dirty_;
    if ((f & kWritten) != 0) {
      --written_;
      removals_.push_back(c.prefix);
    }
    f = 0;
  }
  Pump();
}

void FibSync::OnMove(wire::Afi afi, std::size_t from, std::size_t to) {
  auto& flags = flags_[Index(afi)];
  if (stopped_ || from >= flags.size() || to >= flags.size()) return;
  flags[to] = std::exchange(flags[from], 0);
  if ((flags[to] & kDirty) != 0) low_[Index(afi)] = std::min(low_[Index(afi)], to);
}

void FibSync::Pump() {
  if (stopped_ || rib_ == nullptr) return;
  Fit(0);  // the RIB's Compact may have shrunk its tables since OnChanges
  Fit(1);
  while (HasWork()) {
    fib::Batch* b = writer_->Acquire();
    if (b == nullptr) return;  // the writer hands one back when it is done (Wake)
    Fill(*b);
    writer_->Submit(b);
  }
}

void FibSync::Fill(fib::Batch& batch) {
  while (removal_head_ < removals_.size() && batch.size() < kBatchRoutes) {
    batch.Remove(removals_[removal_head_++]);
  }
  if (removal_head_ == removals_.size()) {
    removal_head_ = 0;
    removals_.clear();
    // A peer's whole table withdrawn leaves a large queue behind: give it back.
    if (removals_.capacity() > kBatchRoutes * 16) removals_.shrink_to_fit();
  }
  for (std::size_t a = 0; a < flags_.size() && dirty_ > 0; ++a) {
    auto& flags = flags_[a];
    std::size_t i = low_[a];
    for (; i < flags.size() && batch.size() < kBatchRoutes && dirty_ > 0; ++i) {
      if ((flags[i] & kDirty) == 0) continue;
      flags[i] &= static_cast<std::uint8_t>(~kDirty);
      --dirty_;
      Want(a == 0 ? wire::Afi::kIpv4 : wire::Afi::kIpv6, i, batch);
    }
    low_[a] = i;
  }
}

void FibSync::Want(wire::Afi afi, std::size_t index, fib::Batch& batch) {
  std::uint8_t& f = flags_[Index(afi)][index];
  const rib::RouteView view = rib_->At(afi, index);
  const wire::Prefix prefix = rib_->PrefixAt(afi, index);
  hops_.clear();
  auto consider = [&](rib::PeerId peer, const rib::AttrRef& attrs) {
    if (peer == Server::kLocalPeer || !attrs) return;
    const auto& nh = attrs->next_hop();
    // Cilium sends IPv6 routes over IPv4 sessions with ::ffff:a.b.c.d (bgp-interop.md): the
    // FIB installs them through the node's link-local address (fib/mapped_gateway.h). A
    // next hop of the other family (or an IPv4-mapped one for an IPv4 route) is left out,
    // and counted.
    if (nh.afi != afi || (afi == wire::Afi::kIpv4 && nh.IsV4Mapped())) {
      ++unusable_;
      log_.Debug("fib_skip", {{"prefix", prefix.ToString()},
                              {"next_hop", nh.ToString()},
                              {"reason", "next hop of another address family"}});
      return;
    }
    hops_.push_back(nh);
  };
  if (view.has_best() && view.paths.size() == 1) {
    consider(view.paths[0].peer, view.paths[0].attrs);  // the common case: no allocation
  } else if (view.has_best()) {
    for (const auto& p : rib_->Multipath(prefix)) consider(p.peer, p.attrs);
  }
  std::sort(hops_.begin(), hops_.end(), AddressLess);
  hops_.erase(std::unique(hops_.begin(), hops_.end()), hops_.end());
  if (hops_.empty()) {
    if ((f & kWritten) != 0) {
      batch.Remove(prefix);
      --written_;
    }
    f = 0;
    return;
  }
  batch.Replace(prefix, hops_);
  if ((f & kWritten) == 0) ++written_;
  f |= kWritten;
}

void FibSync::OnResult(const fib::Batch& batch, const Result<void, std::string>& result,
                       const std::vector<fib::ItemError>& errors) {
  // The writer's thread: the logger serializes, the counter is atomic.
  if (!result) {
    errors_.fetch_add(batch.size(), std::memory_order_relaxed);
    log_.Error("fib_batch_failed",
               {{"routes", std::to_string(batch.size())}, {"error", result.error()}});
    return;
  }
  for (const auto& e : errors) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    const auto& op = batch.ops()[e.index];
    log_.Error(op.remove() ? "fib_remove_failed" : "fib_replace_failed",
               {{"prefix", op.prefix.ToString()}, {"error", e.error}});
  }
}

void FibSync::Wake() {
  // The writer's thread: one Pump posted at a time is enough.
  if (!executor_ || wake_posted_.exchange(true)) return;
  asio::post(executor_, [this, alive = alive_] {
    if (!*alive) return;
    wake_posted_ = false;
    Pump();
  });
}

void FibSync::Drain() {
  while (!stopped_) {
    Pump();
    if (!HasWork()) break;
    writer_->WaitFree();
  }
  writer_->WaitIdle();
}

std::size_t FibSync::pending() const {
  return dirty_ + (removals_.size() - removal_head_) + writer_->in_flight();
}

void FibSync::Stop(bool keep) {
  if (stopped_) return;
  if (keep) {
    Drain();
    stopped_ = true;
    log_.Info("fib_keep", {{"routes", std::to_string(written_)}});
    return;
  }
  stopped_ = true;
  writer_->WaitIdle();  // the batches in flight; what is pending would be removed anyway
  removals_ = {};
  removal_head_ = 0;
  for (auto& f : flags_) f = {};
  dirty_ = 0;
  Result<std::size_t, std::string> n = std::size_t{0};
  writer_->Run([&](fib::Fib& f) { n = f.Flush(); });
  if (!n) {
    log_.Error("fib_remove_failed", {{"error", n.error()}});
    return;
  }
  written_ = 0;
  log_.Info("fib_removed", {{"routes", std::to_string(*n)}});
}

FibSnapshot FibSync::Snapshot() {
  FibSnapshot s;
  s.written = written_;
  s.pending = pending();
  s.errors = errors();
  s.unusable_next_hops = unusable_;
  writer_->Run([&](fib::Fib& f) {
    auto routes = f.List();
    if (!routes) {
      s.error = routes.error();
      return;
    }
    s.routes = std::move(routes).value();
  });
  std::sort(s.routes.begin(), s.routes.end(),
            [](const fib::Route& a, const fib::Route& b) { return a.prefix < b.prefix; });
  return s;
}

}  // namespace bgpdemo::bgp::server
