#include "bgp/wire/update_packer.h"

#include <algorithm>

#include <fmt/format.h>

#include "bgp/wire/message.h"

namespace bgpdemo::bgp::wire {
namespace {

// Appends messages to out: each is `prefix_bytes` (everything before the NLRI), then as many
// NLRI entries as fit, then `suffix_bytes`; patch() fixes the length fields of one message
// given its start and the NLRI byte count.
template <typename Patch>
Result<std::size_t, std::string> Fill(const Context& ctx, std::span<const std::uint8_t> head,
                                      std::span<const std::uint8_t> tail,
                                      std::span<const Prefix> prefixes, bool add_path,
                                      std::vector<std::uint8_t>& out, Patch&& patch) {
  const std::size_t max = ctx.MaxMessageSize();
  const std::size_t fixed = head.size() + tail.size();
  if (prefixes.empty()) return std::size_t{0};
  // Every prefix must fit a message of its own: one that does not would start message
  // after message without ever being placed.
  std::size_t largest = 0;
  for (const auto& p : prefixes) largest = std::max(largest, NlriSize(p, add_path));
  if (fixed + largest > max) {
    return Fail(fmt::format("attributes of {} bytes leave no room for a {}-byte NLRI entry in "
                            "a {}-byte message",
                            fixed, largest, max));
  }
  std::size_t messages = 0;
  std::size_t i = 0;
  while (i < prefixes.size()) {
    const std::size_t start = out.size();
    out.resize(start + max);
    Writer w(std::span<std::uint8_t>(out).subspan(start, max));
    w.Bytes(head);
    const std::size_t nlri_start = w.size();
    std::size_t budget = max - fixed;
    while (i < prefixes.size()) {
      const std::size_t n = NlriSize(prefixes[i], add_path);
      if (n > budget) break;
      EncodeNlri(prefixes[i], add_path, w);
      budget -= n;
      ++i;
    }
    const std::size_t nlri_bytes = w.size() - nlri_start;
    w.Bytes(tail);
    patch(w, nlri_bytes);
    w.PatchU16(16, static_cast<std::uint16_t>(w.size()));
    out.resize(start + w.size());
    ++messages;
  }
  return messages;
}

// The attributes other than MP_*, encoded once per call. Too large a set comes back one
// byte over the maximum so that Fill reports it.
std::vector<std::uint8_t> EncodeOtherAttributes(PathAttributes attrs, const Context& ctx) {
  attrs.mp_reach.reset();
  attrs.mp_unreach.reset();
  std::vector<std::uint8_t> buf(ctx.MaxMessageSize() + 8);
  Writer w(buf);
  EncodeAttributes(attrs, ctx, w);
  buf.resize(w.overflowed() ? ctx.MaxMessageSize() + 1 : w.size());
  return buf;
}

}  // namespace

Result<std::size_t, std::string> UpdatePacker::Announce(const PathAttributes& attrs,
                                                        std::span<const Prefix> prefixes,
                                                        std::vector<std::uint8_t>& out) const {
  const auto others = EncodeOtherAttributes(attrs, ctx_);
  if (!attrs.mp_reach) {
    // IPv4 in the NLRI field: header, no withdrawn, attributes, NLRI.
    std::vector<std::uint8_t> head(kHeaderSize + 4 + others.size());
    Writer w(head);
    BeginMessage(MessageType::kUpdate, w);
    w.U16(0);
    w.U16(static_cast<std::uint16_t>(others.size()));
    w.Bytes(others);
    return Fill(ctx_, head, {}, prefixes, ctx_.AddPath(kIpv4Unicast), out,
                [](Writer&, std::size_t) {});
  }
  // MP_REACH_NLRI first, with Extended Length, then the other attributes.
  const MpReach& mp = *attrs.mp_reach;
  const std::size_t nh_len = mp.next_hop.size() + (mp.link_local ? 16 : 0);
  std::vector<std::uint8_t> head(kHeaderSize + 4 + 4 + 5 + nh_len);
  Writer w(head);
  BeginMessage(MessageType::kUpdate, w);
  w.U16(0);  // withdrawn routes length
  w.U16(0);  // total path attribute length, patched per message
  w.U8(attr_flag::kOptional | attr_flag::kExtendedLength);
  w.U8(static_cast<std::uint8_t>(AttrType::kMpReachNlri));
  w.U16(0);  // attribute length, patched per message
  w.U16(static_cast<std::uint16_t>(mp.family.afi));
  w.U8(static_cast<std::uint8_t>(mp.family.safi));
  w.U8(static_cast<std::uint8_t>(nh_len));
  w.Bytes({mp.next_hop.bytes.data(), mp.next_hop.size()});
  if (mp.link_local) w.Bytes({mp.link_local->bytes.data(), 16});
  w.U8(0);
  const std::size_t mp_fixed = 5 + nh_len;
  return Fill(ctx_, head, others, prefixes, ctx_.AddPath(mp.family), out,
              [&](Writer& m, std::size_t nlri_bytes) {
                m.PatchU16(kHeaderSize + 2,
                           static_cast<std::uint16_t>(4 + mp_fixed + nlri_bytes + others.size()));
                m.PatchU16(kHeaderSize + 6, static_cast<std::uint16_t>(mp_fixed + nlri_bytes));
              });
}

Result<std::size_t, std::string> UpdatePacker::Withdraw(Family family,
                                                        std::span<const Prefix> prefixes,
                                                        std::vector<std::uint8_t>& out) const {
  if (family == kIpv4Unicast) {
    std::vector<std::uint8_t> head(kHeaderSize + 2);
    Writer w(head);
    BeginMessage(MessageType::kUpdate, w);
    w.U16(0);  // withdrawn routes length, patched
    const std::uint8_t tail[2] = {0, 0};  // no path attributes
    return Fill(ctx_, head, tail, prefixes, ctx_.AddPath(family), out,
                [](Writer& m, std::size_t nlri_bytes) {
                  m.PatchU16(kHeaderSize, static_cast<std::uint16_t>(nlri_bytes));
                });
  }
  std::vector<std::uint8_t> head(kHeaderSize + 4 + 4 + 3);
  Writer w(head);
  BeginMessage(MessageType::kUpdate, w);
  w.U16(0);
  w.U16(0);  // patched
  w.U8(attr_flag::kOptional | attr_flag::kExtendedLength);
  w.U8(static_cast<std::uint8_t>(AttrType::kMpUnreachNlri));
  w.U16(0);  // patched
  w.U16(static_cast<std::uint16_t>(family.afi));
  w.U8(static_cast<std::uint8_t>(family.safi));
  return Fill(ctx_, head, {}, prefixes, ctx_.AddPath(family), out,
              [](Writer& m, std::size_t nlri_bytes) {
                m.PatchU16(kHeaderSize + 2, static_cast<std::uint16_t>(4 + 3 + nlri_bytes));
                m.PatchU16(kHeaderSize + 6, static_cast<std::uint16_t>(3 + nlri_bytes));
              });
}

void UpdatePacker::EndOfRib(Family family, std::vector<std::uint8_t>& out) const {
  Update u;
  if (family != kIpv4Unicast) u.attrs.mp_unreach = MpUnreach{family, {}};
  auto bytes = EncodeMessage(Message{std::move(u)}, ctx_);
  BGPDEMO_CHECK(bytes.has_value());
  out.insert(out.end(), bytes->begin(), bytes->end());
}

}  // namespace bgpdemo::bgp::wire
