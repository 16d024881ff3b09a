// The blaster's routes: what each announcing session sends, and what the monitor must end
// up holding (tests/tools/blaster.cpp drives the sessions).
//
// Session i owns M consecutive IPv4 /24s, (base24 + i*M) << 8 onwards, split into a few
// attribute sets (MED and a community vary), so a table of N x M prefixes has N x sets
// distinct attribute sets, as a real feed has few per peer. Everything is encoded once,
// before the first connect, by wire::UpdatePacker into full 4096-byte UPDATEs.
//
// Churn: each session then withdraws a random share of its prefixes and announces them
// again, for a number of rounds; round r re-announces with one more community, 65534:r
// (kVersionTag), so that the final table differs from the first one and the monitor can
// tell which announcement it holds. The random choice is seeded, so a run can be repeated.
//
// MonitorTable keeps one byte per expected prefix: what the monitor holds (nothing, the
// version it last received, or a wrong route: another origin AS than the owning session's)
// and what it should hold, and counts the prefixes where the two differ. The run has
// converged when that count is zero: every prefix held, from its owner, in its last
// version, and nothing else counted as held. Routes outside the expected range are
// counted as unexpected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "bgp/wire/attributes.h"
#include "bgp/wire/context.h"
#include "bgp/wire/prefix.h"
#include "bgp/wire/update.h"

namespace bgpdemo::blaster {

namespace wire = bgp::wire;

// The high half of the community that carries a churn round's number.
inline constexpr std::uint32_t kVersionTag = 65534;

// One announcing session's share of the table.
struct SessionRoutes {
  std::uint32_t asn = 0;
  std::uint32_t next_hop = 0;  // host order: the session's source address
  std::uint32_t first24 = 0;   // its first /24, as address >> 8
  std::size_t count = 0;       // M
  unsigned attr_sets = 4;

  // The attribute set of prefix k (0 <= k < count).
  unsigned SetOf(std::size_t k) const;
  // The attributes of a set; version > 0 adds the community kVersionTag:version.
  wire::PathAttributes Attributes(unsigned set, unsigned version) const;
  wire::Prefix PrefixAt(std::size_t k) const;
};

// Appends every announcement of the session, then End-of-RIB; returns the messages.
Result<std::size_t, std::string> EncodeTable(const wire::Context& ctx, const SessionRoutes& r,
                                             std::vector<std::uint8_t>& out);

// For each round, the prefixes (indexes k, ascending) the session withdraws and announces
// again: floor(count * fraction) chosen at random, independently per round.
std::vector<std::vector<std::uint32_t>> ChurnPlan(std::size_t count, double fraction,
                                                  unsigned rounds, std::uint64_t seed);

// Appends the churn of the session: per round, the withdrawals of its prefixes, then their
// announcements with version = round (1-based). Returns the messages.
Result<std::size_t, std::string> EncodeChurn(const wire::Context& ctx, const SessionRoutes& r,
                                             std::span<const std::vector<std::uint32_t>> plan,
                                             std::vector<std::uint8_t>& out);

class MonitorTable {
 public:
  // Expected: sessions x per_session /24s from base24; session s has AS owner_as[s].
  MonitorTable(std::uint32_t base24, std::size_t per_session, std::vector<std::uint32_t> owner_as);

  // Applies one decoded UPDATE (NLRI, withdrawals, MP_* and treat-as-withdraw).
  void Apply(const wire::Update& u);
  // From now on, prefix k of session s should be held in this version.
  void Want(std::size_t session, std::size_t k, unsigned version);

  std::uint64_t expected() const { return want_.size(); }
  std::uint64_t held() const { return held_; }
  // Prefixes where what is held differs from what should be.
  std::uint64_t mismatched() const { return mismatched_; }
  bool Converged() const { return mismatched_ == 0; }

  std::uint64_t nlri = 0, withdrawn = 0, duplicates = 0, replaced = 0, unexpected = 0;
  std::uint64_t wrong_origin = 0, treat_as_withdraw = 0, eor = 0;

 private:
  static constexpr std::uint8_t kAbsent = 0xff;
  static constexpr std::uint8_t kWrong = 0xfe;  // held, but from another AS than the owner

  bool Index(const wire::Prefix& p, std::uint64_t& idx) const;
  void Set(std::uint64_t idx, std::uint8_t state);
  void Announce(const wire::Prefix& p, std::uint8_t version, std::uint32_t origin);
  void Withdraw(const wire::Prefix& p);

  std::uint32_t base24_;
  std::size_t per_session_;
  std::vector<std::uint32_t> owner_as_;
  std::vector<std::uint8_t> have_, want_;
  std::uint64_t held_ = 0, mismatched_ = 0;
};

}  // namespace bgpdemo::blaster
