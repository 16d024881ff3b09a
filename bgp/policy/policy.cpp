#include "bgp/policy/policy.h"

#include <fmt/format.h>

namespace bgpdemo::bgp::policy {

std::string_view ToString(Mode m) {
  switch (m) {
    case Mode::kRouter:
      return "router";
    case Mode::kRouteServer:
      return "route-server";
  }
  return "?";
}

Result<Mode, std::string> ParseMode(std::string_view text) {
  if (text == "router") return Mode::kRouter;
  if (text == "route-server") return Mode::kRouteServer;
  return Fail(fmt::format("mode '{}' is not one of: router, route-server", text));
}

std::string_view ToString(FilterKind k) {
  switch (k) {
    case FilterKind::kDenyAll:
      return "deny-all";
    case FilterKind::kAcceptAll:
      return "accept-all";
    case FilterKind::kPrefixList:
      return "prefix-list";
  }
  return "?";
}

bool Filter::Permits(const wire::Prefix& p) const {
  switch (kind) {
    case FilterKind::kDenyAll:
      return false;
    case FilterKind::kAcceptAll:
      return true;
    case FilterKind::kPrefixList:
      return list.Permits(p);
  }
  return false;
}

std::string_view ToString(MaxPrefixVerdict v) {
  switch (v) {
    case MaxPrefixVerdict::kAccept:
      return "accept";
    case MaxPrefixVerdict::kDiscard:
      return "discard";
    case MaxPrefixVerdict::kTeardown:
      return "teardown";
  }
  return "?";
}

MaxPrefixVerdict CheckMaxPrefix(const std::optional<MaxPrefix>& max, std::size_t accepted) {
  if (!max || accepted < max->limit) return MaxPrefixVerdict::kAccept;
  return max->teardown ? MaxPrefixVerdict::kTeardown : MaxPrefixVerdict::kDiscard;
}

wire::Notification MaxPrefixNotification(wire::Family family, std::uint32_t bound) {
  wire::Notification n;
  n.code = wire::NotifyCode::kCease;
  n.subcode = static_cast<std::uint8_t>(wire::CeaseSubcode::kMaxPrefixesReached);
  const auto afi = static_cast<std::uint16_t>(family.afi);
  n.data = {static_cast<std::uint8_t>(afi >> 8),    static_cast<std::uint8_t>(afi),
            static_cast<std::uint8_t>(family.safi), static_cast<std::uint8_t>(bound >> 24),
            static_cast<std::uint8_t>(bound >> 16), static_cast<std::uint8_t>(bound >> 8),
            static_cast<std::uint8_t>(bound)};
  return n;
}

ImportPolicy EffectiveImport(const PeerPolicyConfig& config, bool ibgp) {
  ImportPolicy p;
  // RFC 8212 §2: no import policy on an eBGP session means no routes accepted.
  p.filter = config.import_filter.value_or(ibgp ? Filter::AcceptAll() : Filter::DenyAll());
  p.max_prefix = config.max_prefix;
  return p;
}

Filter EffectiveExport(const PeerPolicyConfig& config, bool ibgp) {
  // RFC 8212 §2: and no routes sent.
  return config.export_filter.value_or(ibgp ? Filter::AcceptAll() : Filter::DenyAll());
}

}  // namespace bgpdemo::bgp::policy
