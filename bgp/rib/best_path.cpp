#include "bgp/rib/best_path.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "bgp/rib/prefix_key.h"

namespace bgpdemo::bgp::rib {
namespace {

constexpr std::uint32_t kDefaultLocalPref = 100;

int Sign(std::int64_t v) {
  return v < 0 ? -1 : (v > 0 ? 1 : 0);
}

struct Ctx {
  PeerTable peers;
  const PeerInfo& Peer(const Path& p) const { return peers[p.peer]; }
};

// Each comparison returns < 0 when a is better, > 0 when b is, 0 on a tie (or, for MED,
// when the two cannot be compared).
std::uint32_t LocalPref(const Path& p, const Ctx& c) {
  // RFC 4271 §5.1.5: LOCAL_PREF received from an external peer is ignored.
  if (!c.Peer(p).ibgp) return kDefaultLocalPref;
  return p.attrs->local_pref().value_or(kDefaultLocalPref);
}
int ByLocalPref(const Path& a, const Path& b, const Ctx& c) {
  return Sign(std::int64_t{LocalPref(b, c)} - LocalPref(a, c));
}
int ByAsPathLength(const Path& a, const Path& b, const Ctx&) {
  return Sign(std::int64_t{a.attrs->path_length()} - b.attrs->path_length());
}
int ByOrigin(const Path& a, const Path& b, const Ctx&) {
  return Sign(static_cast<int>(a.attrs->origin()) - static_cast<int>(b.attrs->origin()));
}
int ByMed(const Path& a, const Path& b, const Ctx&) {
  // RFC 4271 §9.1.2.2 c): MEDs compare only between routes from the same neighbouring AS.
  if (a.attrs->neighbor_as() != b.attrs->neighbor_as()) return 0;
  return Sign(std::int64_t{a.attrs->med()} - b.attrs->med());
}
int ByEbgp(const Path& a, const Path& b, const Ctx& c) {
  return Sign(int{c.Peer(a).ibgp} - int{c.Peer(b).ibgp});
}
std::uint32_t RouterId(const Path& p, const Ctx& c) {
  // RFC 4456 §9: the ORIGINATOR_ID stands in for the BGP Identifier.
  return p.attrs->originator_id().value_or(c.Peer(p).bgp_id);
}
int ByRouterId(const Path& a, const Path& b, const Ctx& c) {
  return Sign(std::int64_t{RouterId(a, c)} - RouterId(b, c));
}
int ByClusterList(const Path& a, const Path& b, const Ctx&) {
  return Sign(std::int64_t{a.attrs->cluster_list_length()} - b.attrs->cluster_list_length());
}
int ByPeerAddress(const Path& a, const Path& b, const Ctx& c) {
  const auto& x = c.Peer(a).address;
  const auto& y = c.Peer(b).address;
  if (x.afi != y.afi) return x.afi < y.afi ? -1 : 1;
  return Sign(std::memcmp(x.bytes.data(), y.bytes.data(), x.bytes.size()));
}
int ByPathId(const Path& a, const Path& b, const Ctx&) {
  return Sign(std::int64_t{a.path_id} - b.path_id);
}

struct Step {
  Reason reason;
  int (*compare)(const Path&, const Path&, const Ctx&);
  bool total;  // a total order: elimination keeps the candidates equal to the best one
};

constexpr std::array<Step, 9> kSteps = {{
    {Reason::kLocalPref, ByLocalPref, true},
    {Reason::kAsPathLength, ByAsPathLength, true},
    {Reason::kOrigin, ByOrigin, true},
    {Reason::kMed, ByMed, false},
    {Reason::kEbgpOverIbgp, ByEbgp, true},
    {Reason::kRouterId, ByRouterId, true},
    {Reason::kClusterList, ByClusterList, true},
    {Reason::kPeerAddress, ByPeerAddress, true},
    {Reason::kPathId, ByPathId, true},
}};
constexpr std::size_t kFirstNonMultipathStep = 5;  // router_id
static_assert(kSteps[kFirstNonMultipathStep].reason == Reason::kRouterId);

// Candidate indexes: inline up to 64, on the heap beyond.
class Candidates {
 public:
  void push_back(std::size_t i) {
    if (n_ < inline_.size()) {
      inline_[n_++] = static_cast<std::uint32_t>(i);
      return;
    }
    if (heap_.empty()) heap_.assign(inline_.begin(), inline_.end());
    heap_.push_back(static_cast<std::uint32_t>(i));
    ++n_;
  }
  std::size_t size() const { return n_; }
  std::uint32_t* data() { return heap_.empty() ? inline_.data() : heap_.data(); }
  std::uint32_t operator[](std::size_t i) { return data()[i]; }
  void resize(std::size_t n) {
    n_ = n;
    if (!heap_.empty()) heap_.resize(n);
  }

 private:
  std::array<std::uint32_t, 64> inline_{};
  std::vector<std::uint32_t> heap_;
  std::size_t n_ = 0;
};

// RFC 4271 §9.1.2.2: eliminate step by step; returns the survivor (the lowest index among
// equal survivors, which only happens for paths equal on every step).
std::size_t Eliminate(std::span<const Path> paths, Candidates& cand, const Ctx& c) {
  for (const Step& step : kSteps) {
    if (cand.size() <= 1) break;
    std::uint32_t* d = cand.data();
    std::size_t kept = 0;
    if (step.total) {
      std::size_t best = 0;
      for (std::size_t i = 1; i < cand.size(); ++i) {
        if (step.compare(paths[d[i]], paths[d[best]], c) < 0) best = i;
      }
      const std::uint32_t best_index = d[best];
      for (std::size_t i = 0; i < cand.size(); ++i) {
        if (step.compare(paths[d[i]], paths[best_index], c) == 0) d[kept++] = d[i];
      }
    } else {
      // Keep each candidate that no other candidate beats (within its neighbour AS).
      for (std::size_t i = 0; i < cand.size(); ++i) {
        bool beaten = false;
        for (std::size_t j = 0; j < cand.size() && !beaten; ++j) {
          beaten = step.compare(paths[d[j]], paths[d[i]], c) < 0;
        }
        if (!beaten) d[kept++] = d[i];
      }
    }
    cand.resize(kept);
  }
  return cand.size() == 0 ? kNoPath : cand[0];
}

}  // namespace

std::string_view ToString(Reason r) {
  switch (r) {
    case Reason::kNone:
      return "none";
    case Reason::kOnlyPath:
      return "only_path";
    case Reason::kLocalPref:
      return "local_pref";
    case Reason::kAsPathLength:
      return "as_path_length";
    case Reason::kOrigin:
      return "origin";
    case Reason::kMed:
      return "med";
    case Reason::kEbgpOverIbgp:
      return "ebgp_over_ibgp";
    case Reason::kRouterId:
      return "router_id";
    case Reason::kClusterList:
      return "cluster_list";
    case Reason::kPeerAddress:
      return "peer_address";
    case Reason::kPathId:
      return "path_id";
  }
  return "?";
}

Comparison ComparePaths(const Path& a, const Path& b, PeerTable peers) {
  const Ctx c{peers};
  for (const Step& step : kSteps) {
    if (int o = step.compare(a, b, c); o != 0) return {o, step.reason};
  }
  return {};
}

Selection SelectBest(std::span<const Path> paths, PeerTable peers, PeerId exclude,
                     bool with_reason) {
  const Ctx c{peers};
  Candidates cand;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (paths[i].accepted() && paths[i].peer != exclude) cand.push_back(i);
  }
  if (cand.size() == 0) return {};
  if (cand.size() == 1) return {cand[0], Reason::kOnlyPath};
  Candidates all = cand;
  const std::size_t best = Eliminate(paths, cand, c);
  if (!with_reason) return {best, Reason::kNone};
  // The runner-up is the best of the others; the reason is where the best beats it.
  Candidates others;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i] != best) others.push_back(all[i]);
  }
  const std::size_t runner_up = Eliminate(paths, others, c);
  const Comparison cmp = ComparePaths(paths[best], paths[runner_up], peers);
  // Identical on every step (the same peer announcing twice without ADD-PATH cannot
  // happen; kept for safety): call it the last step.
  return {best, cmp.order == 0 ? Reason::kPathId : cmp.step};
}

bool MultipathEqual(const Path& best, const Path& other, PeerTable peers) {
  const Ctx c{peers};
  for (std::size_t i = 0; i < kFirstNonMultipathStep; ++i) {
    if (kSteps[i].compare(best, other, c) != 0) return false;
  }
  return true;
}

std::vector<std::size_t> MultipathSet(std::span<const Path> paths, std::size_t best,
                                      PeerTable peers) {
  std::vector<std::size_t> out;
  if (best == kNoPath) return out;
  out.push_back(best);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (i == best || !paths[i].accepted()) continue;
    if (!MultipathEqual(paths[best], paths[i], peers)) continue;
    const auto& nh = paths[i].attrs->next_hop();
    const bool seen = std::any_of(out.begin(), out.end(),
                                  [&](std::size_t j) { return paths[j].attrs->next_hop() == nh; });
    if (!seen) out.push_back(i);
  }
  return out;
}

std::uint64_t MultipathFingerprint(std::span<const Path> paths, std::size_t best, PeerTable peers) {
  if (best == kNoPath) return 0;
  auto hash_nh = [](const wire::IpAddress& a) {
    std::uint64_t hi = 0, lo = 0;
    std::memcpy(&hi, a.bytes.data(), 8);
    std::memcpy(&lo, a.bytes.data() + 8, 8);
    return Mix64(hi ^ Mix64(lo ^ static_cast<std::uint64_t>(a.afi)));
  };
  // Summing distinct next hops' hashes; a duplicate next hop would be counted twice, so
  // duplicates are skipped as MultipathSet skips them.
  std::uint64_t sum = hash_nh(paths[best].attrs->next_hop());
  std::size_t members = 1;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (i == best || !paths[i].accepted()) continue;
    if (!MultipathEqual(paths[best], paths[i], peers)) continue;
    const auto& nh = paths[i].attrs->next_hop();
    bool seen = nh == paths[best].attrs->next_hop();
    for (std::size_t j = 0; j < i && !seen; ++j) {
      seen = j != best && paths[j].accepted() && MultipathEqual(paths[best], paths[j], peers) &&
             paths[j].attrs->next_hop() == nh;
    }
    if (seen) continue;
    sum += hash_nh(nh);
    ++members;
  }
  return members == 1 ? 1 : Mix64(sum ^ members);
}

}  // namespace bgpdemo::bgp::rib
