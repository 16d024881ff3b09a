#include "tests/tools/blaster_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <utility>

#include "bgp/wire/constants.h"
#include "bgp/wire/update_packer.h"

namespace bgpdemo::blaster {

unsigned SessionRoutes::SetOf(std::size_t k) const {
  // Set s holds [count*s/sets, count*(s+1)/sets): the inverse of that split.
  const std::size_t sets = attr_sets == 0 ? 1 : attr_sets;
  std::size_t s = k * sets / count;
  while (s + 1 < sets && count * (s + 1) / sets <= k) ++s;
  while (s > 0 && count * s / sets > k) --s;
  return static_cast<unsigned>(s);
}

wire::PathAttributes SessionRoutes::Attributes(unsigned set, unsigned version) const {
  wire::PathAttributes a;
  a.origin = wire::Origin::kIgp;
  a.as_path = wire::AsPath::Sequence({asn});
  a.next_hop = wire::IpAddress::V4(next_hop);
  a.med = set * 10;
  // The set's community names the AS where a 2-octet community can: AS_TRANS stands in for a
  // 4-octet AS (RFC 6793), and for 65534 and 65535 too, since 65534 is the churn's version
  // tag (the monitor would read 65534:100 as version 100) and 65535:x is the well-known
  // range of RFC 1997.
  const std::uint32_t high = asn < kVersionTag ? asn : wire::kAsTrans;
  a.communities = {high << 16 | (100 + set)};
  if (version > 0) a.communities.push_back(kVersionTag << 16 | version);
  return a;
}

wire::Prefix SessionRoutes::PrefixAt(std::size_t k) const {
  return wire::Prefix::V4((first24 + static_cast<std::uint32_t>(k)) << 8, 24);
}

Result<std::size_t, std::string> EncodeTable(const wire::Context& ctx, const SessionRoutes& r,
                                             std::vector<std::uint8_t>& out) {
  const wire::UpdatePacker packer(ctx);
  const unsigned sets = r.attr_sets == 0 ? 1 : r.attr_sets;
  std::vector<wire::Prefix> batch;
  std::size_t messages = 0;
  for (unsigned set = 0; set < sets; ++set) {
    const std::size_t lo = r.count * set / sets;
    const std::size_t hi = r.count * (set + 1) / sets;
    if (lo == hi) continue;
    batch.clear();
    for (std::size_t k = lo; k < hi; ++k) batch.push_back(r.PrefixAt(k));
    auto n = packer.Announce(r.Attributes(set, 0), batch, out);
    if (!n) return Fail(fmt::format("packing UPDATEs: {}", n.error()));
    messages += *n;
  }
  packer.EndOfRib(wire::kIpv4Unicast, out);
  return messages + 1;
}

std::vector<std::vector<std::uint32_t>> ChurnPlan(std::size_t count, double fraction,
                                                  unsigned rounds, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto pick = static_cast<std::size_t>(static_cast<double>(count) * fraction);
  std::vector<std::uint32_t> all(count);
  std::iota(all.begin(), all.end(), 0u);
  std::vector<std::vector<std::uint32_t>> plan(rounds);
  for (auto& round : plan) {
    // A partial Fisher-Yates shuffle: the first `pick` entries are a uniform sample.
    for (std::size_t i = 0; i < pick && i + 1 < count; ++i) {
      std::uniform_int_distribution<std::size_t> d(i, count - 1);
      std::swap(all[i], all[d(rng)]);
    }
    round.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(pick, count)));
    std::sort(round.begin(), round.end());
  }
  return plan;
}

Result<std::size_t, std::string> EncodeChurn(const wire::Context& ctx, const SessionRoutes& r,
                                             std::span<const std::vector<std::uint32_t>> plan,
                                             std::vector<std::uint8_t>& out) {
  const wire::UpdatePacker packer(ctx);
  const unsigned sets = r.attr_sets == 0 ? 1 : r.attr_sets;
  std::size_t messages = 0;
  std::vector<wire::Prefix> batch;
  std::vector<std::vector<wire::Prefix>> by_set(sets);
  for (std::size_t round = 0; round < plan.size(); ++round) {
    if (plan[round].empty()) continue;
    batch.clear();
    for (auto& v : by_set) v.clear();
    for (const std::uint32_t k : plan[round]) {
      batch.push_back(r.PrefixAt(k));
      by_set[r.SetOf(k)].push_back(r.PrefixAt(k));
    }
    auto w = packer.Withdraw(wire::kIpv4Unicast, batch, out);
    if (!w) return Fail(fmt::format("packing withdrawals: {}", w.error()));
    messages += *w;
    for (unsigned set = 0; set < sets; ++set) {
      if (by_set[set].empty()) continue;
      auto n =
          packer.Announce(r.Attributes(set, static_cast<unsigned>(round + 1)), by_set[set], out);
      if (!n) return Fail(fmt::format("packing UPDATEs: {}", n.error()));
      messages += *n;
    }
  }
  return messages;
}

// --- the monitor's table -------------------------------------------------------------------

MonitorTable::MonitorTable(std::uint32_t base24, std::size_t per_session,
                           std::vector<std::uint32_t> owner_as)
    : base24_(base24), per_session_(per_session), owner_as_(std::move(owner_as)) {
  const std::size_t total = per_session_ * owner_as_.size();
  have_.assign(total, kAbsent);
  want_.assign(total, 0);
  mismatched_ = total;
}

bool MonitorTable::Index(const wire::Prefix& p, std::uint64_t& idx) const {
  if (p.afi != wire::Afi::kIpv4 || p.length != 24) return false;
  const std::uint32_t a =
      std::uint32_t{p.addr[0]} << 16 | std::uint32_t{p.addr[1]} << 8 | std::uint32_t{p.addr[2]};
  if (a < base24_ || a - base24_ >= have_.size()) return false;
  idx = a - base24_;
  return true;
}

void MonitorTable::Set(std::uint64_t idx, std::uint8_t state) {
  const std::uint8_t old = have_[idx];
  if (old == state) return;
  if (old == kAbsent) ++held_;
  if (state == kAbsent) --held_;
  if (old == want_[idx]) ++mismatched_;
  if (state == want_[idx]) --mismatched_;
  have_[idx] = state;
}

void MonitorTable::Announce(const wire::Prefix& p, std::uint8_t version, std::uint32_t origin) {
  ++nlri;
  std::uint64_t idx;
  if (!Index(p, idx)) {
    ++unexpected;
    return;
  }
  std::uint8_t state = version;
  if (per_session_ == 0 || owner_as_[idx / per_session_] != origin) {
    ++wrong_origin;
    state = kWrong;
  }
  if (have_[idx] == state) {
    ++duplicates;
  } else if (have_[idx] != kAbsent) {
    ++replaced;  // an implicit withdraw (RFC 4271 §3.1)
  }
  Set(idx, state);
}

void MonitorTable::Withdraw(const wire::Prefix& p) {
  ++withdrawn;
  std::uint64_t idx;
  if (Index(p, idx)) Set(idx, kAbsent);
}

void MonitorTable::Want(std::size_t session, std::size_t k, unsigned version) {
  const std::size_t idx = session * per_session_ + k;
  const auto v = static_cast<std::uint8_t>(version);
  if (have_[idx] == want_[idx]) ++mismatched_;
  if (have_[idx] == v) --mismatched_;
  want_[idx] = v;
}

void MonitorTable::Apply(const wire::Update& u) {
  if (u.EndOfRib()) {
    ++eor;
    return;
  }
  for (const auto& p : u.withdrawn) Withdraw(p);
  if (u.attrs.mp_unreach) {
    for (const auto& p : u.attrs.mp_unreach->withdrawn) Withdraw(p);
  }
  const bool as_withdraw =
      u.action == wire::Action::kTreatAsWithdraw || u.action == wire::Action::kAfiSafiDisable;
  if (as_withdraw) ++treat_as_withdraw;
  // Once per UPDATE: the version (a churn round's community) and the origin AS (the last
  // of the path: a route server that prepended its own would still name the owner).
  std::uint8_t version = 0;
  for (const auto c : u.attrs.communities) {
    if (c >> 16 == kVersionTag && (c & 0xffff) < kWrong) version = static_cast<std::uint8_t>(c);
  }
  std::uint32_t origin = 0;
  if (u.attrs.as_path) {
    for (const auto& s : u.attrs.as_path->segments) {
      if (!s.asns.empty()) origin = s.asns.back();
    }
  }
  auto announce = [&](const wire::Prefix& p) {
    if (as_withdraw) {
      Withdraw(p);
    } else {
      Announce(p, version, origin);
    }
  };
  for (const auto& p : u.nlri) announce(p);
  if (u.attrs.mp_reach) {
    for (const auto& p : u.attrs.mp_reach->nlri) announce(p);
  }
}

}  // namespace bgpdemo::blaster
