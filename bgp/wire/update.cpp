#include "bgp/wire/update.h"

#include <algorithm>

#include <fmt/format.h>

namespace bgpdemo::bgp::wire {

std::optional<Family> Update::EndOfRib() const {
  if (!withdrawn.empty() || !nlri.empty()) return std::nullopt;
  if (attrs == PathAttributes{}) return kIpv4Unicast;
  PathAttributes only_unreach;
  only_unreach.mp_unreach = attrs.mp_unreach;
  only_unreach.wire_order = attrs.wire_order;
  if (attrs.mp_unreach && attrs.mp_unreach->withdrawn.empty() && attrs == only_unreach) {
    return attrs.mp_unreach->family;
  }
  return std::nullopt;
}

std::size_t Update::AnnouncedCount() const {
  return nlri.size() + (attrs.mp_reach ? attrs.mp_reach->nlri.size() : 0);
}

std::size_t Update::WithdrawnCount() const {
  return withdrawn.size() + (attrs.mp_unreach ? attrs.mp_unreach->withdrawn.size() : 0);
}

void Update::Clear() {
  withdrawn.clear();
  nlri.clear();
  // The attributes start afresh, but the vectors most UPDATEs fill keep their capacity, so
  // a session decoding into one Update allocates none of them again.
  auto order = std::move(attrs.wire_order);
  auto communities = std::move(attrs.communities);
  auto large = std::move(attrs.large_communities);
  attrs = PathAttributes{};
  order.clear();
  communities.clear();
  large.clear();
  attrs.wire_order = std::move(order);
  attrs.communities = std::move(communities);
  attrs.large_communities = std::move(large);
  action = Action::kNone;
  problems.clear();
}

namespace {

Error UpdateError(UpdateSubcode sub, Action action, std::size_t at, std::string msg,
                  std::vector<std::uint8_t> data = {}) {
  return Error{NotifyCode::kUpdateMessageError, static_cast<std::uint8_t>(sub), std::move(data),
               action, at, std::move(msg)};
}

}  // namespace

Result<void, Error> DecodeUpdate(std::span<const std::uint8_t> body, const Context& ctx,
                                 Update& out) {
  out.Clear();
  Reader r(body, kHeaderSize);
  std::uint16_t withdrawn_len = 0;
  if (!r.U16(withdrawn_len)) {
    return Fail(UpdateError(UpdateSubcode::kMalformedAttributeList, Action::kSessionReset,
                            kHeaderSize, "UPDATE shorter than 23 bytes"));
  }
  // RFC 7606 §3(b): the two length fields must fit the message.
  if (withdrawn_len + 2u > r.remaining()) {
    return Fail(UpdateError(UpdateSubcode::kMalformedAttributeList, Action::kSessionReset,
                            kHeaderSize,
                            fmt::format("Withdrawn Routes Length {} leaves no room for the Total "
                                        "Path Attribute Length ({} bytes follow)",
                                        withdrawn_len, r.remaining())));
  }
  Reader withdrawn(std::span<const std::uint8_t>{}, 0);
  (void)r.Sub(withdrawn_len, withdrawn);
  std::uint16_t attr_len = 0;
  const std::size_t attr_len_at = r.offset();
  (void)r.U16(attr_len);
  if (attr_len > r.remaining()) {
    return Fail(UpdateError(UpdateSubcode::kMalformedAttributeList, Action::kSessionReset,
                            attr_len_at,
                            fmt::format("Withdrawn Routes Length {} + Total Path Attribute Length "
                                        "{} + 23 exceeds the message length {}",
                                        withdrawn_len, attr_len, body.size() + kHeaderSize)));
  }
  std::span<const std::uint8_t> attrs;
  const std::size_t attrs_at = r.offset();
  (void)r.Bytes(attr_len, attrs);

  // RFC 7606 §3(i): withdrawn routes are checked like NLRI.
  const bool add_path_v4 = ctx.AddPath(kIpv4Unicast);
  const auto net_field = static_cast<std::uint8_t>(UpdateSubcode::kInvalidNetworkField);
  if (auto res = DecodeNlri(withdrawn, Afi::kIpv4, add_path_v4, NotifyCode::kUpdateMessageError,
                            net_field, out.withdrawn);
      !res) {
    return Fail(std::move(res).error());
  }
  if (auto res = DecodeNlri(r, Afi::kIpv4, add_path_v4, NotifyCode::kUpdateMessageError,
                            net_field, out.nlri);
      !res) {
    return Fail(std::move(res).error());
  }
  if (auto res = DecodeAttributes(attrs, attrs_at, ctx, out.attrs, out.problems); !res) {
    return Fail(std::move(res).error());
  }

  const bool reachable = !out.nlri.empty() || out.attrs.mp_reach.has_value();
  // RFC 7606 §3(d): missing well-known mandatory attributes, when routes are announced.
  if (reachable) {
    const bool ok_so_far = std::none_of(out.problems.begin(), out.problems.end(), [](auto& e) {
      return e.action >= Action::kTreatAsWithdraw;
    });
    auto missing = [&](AttrType t) {
      if (out.attrs.Has(t)) return;
      // An attribute present but malformed is already reported; don't say it is missing too.
      if (!ok_so_far) {
        for (const auto& e : out.problems) {
          if (e.data.size() >= 2 && e.data[1] == static_cast<std::uint8_t>(t)) return;
          if (t == AttrType::kAsPath &&
              e.subcode == static_cast<std::uint8_t>(UpdateSubcode::kMalformedAsPath)) {
            return;
          }
        }
      }
      out.problems.push_back(UpdateError(
          UpdateSubcode::kMissingWellKnownAttribute, Action::kTreatAsWithdraw, attrs_at,
          fmt::format("UPDATE announces routes without the mandatory {} attribute", AttrName(
              static_cast<std::uint8_t>(t))),
          {static_cast<std::uint8_t>(t)}));
    };
    missing(AttrType::kOrigin);
    missing(AttrType::kAsPath);
    if (!out.nlri.empty()) missing(AttrType::kNextHop);  // RFC 4760 §3: MP-only needs none
  }

  for (const auto& e : out.problems) out.action = std::max(out.action, e.action);

  // RFC 7606 §5.2: with no reachable NLRI to withdraw, treat-as-withdraw resets the session.
  // AFI/SAFI disable needs no NLRI (RFC 4760 §7, RFC 7606 §5.3) and stands: an IPv6-only
  // UPDATE whose MP_REACH_NLRI is malformed disables IPv6, it does not reset the session.
  if (!reachable && out.action == Action::kTreatAsWithdraw) {
    for (auto& e : out.problems) {
      if (e.action >= Action::kTreatAsWithdraw) {
        Error reset = e;
        reset.action = Action::kSessionReset;
        reset.message += " (no reachable NLRI to withdraw: RFC 7606 §5.2)";
        return Fail(std::move(reset));
      }
    }
  }
  return {};
}

void EncodeUpdateBody(const Update& u, const Context& ctx, Writer& w) {
  const bool add_path_v4 = ctx.AddPath(kIpv4Unicast);
  const std::size_t withdrawn_at = w.size();
  w.U16(0);
  for (const auto& p : u.withdrawn) EncodeNlri(p, add_path_v4, w);
  w.PatchU16(withdrawn_at, static_cast<std::uint16_t>(w.size() - withdrawn_at - 2));
  const std::size_t attr_at = w.size();
  w.U16(0);
  EncodeAttributes(u.attrs, ctx, w);
  w.PatchU16(attr_at, static_cast<std::uint16_t>(w.size() - attr_at - 2));
  for (const auto& p : u.nlri) EncodeNlri(p, add_path_v4, w);
}

}  // namespace bgpdemo::bgp::wire
