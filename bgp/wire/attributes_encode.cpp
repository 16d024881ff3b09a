// The path attribute encoder: canonical or as-received order, RFC 6793 AS4 conversion.
#include <bitset>
#include <cstring>

#include "bgp/wire/attr_spec.h"
#include "bgp/wire/attributes.h"

namespace bgpdemo::bgp::wire {

using namespace attr_flag;
using namespace internal;

namespace {

// Writes one attribute: header with the given flags, then the value write_value produces.
// Uses the 1-byte length form unless the flags ask for Extended Length or the value needs it.
template <typename F>
void Emit(Writer& w, std::uint8_t flags, std::uint8_t type, F&& write_value) {
  flags &= static_cast<std::uint8_t>(~kUnusedMask);
  const std::size_t start = w.size();
  w.U8(flags);
  w.U8(type);
  w.U16(0);
  const std::size_t value_start = w.size();
  write_value();
  if (w.overflowed()) return;
  const std::size_t len = w.size() - value_start;
  if (len > 0xffff) {
    w.SetOverflow();
    return;
  }
  if ((flags & kExtendedLength) || len > 255) {
    w.PatchU8(start, flags | kExtendedLength);
    w.PatchU16(start + 2, static_cast<std::uint16_t>(len));
    return;
  }
  std::memmove(w.data() + start + 3, w.data() + value_start, len);
  w.Truncate(start + 3 + len);
  w.PatchU8(start + 2, static_cast<std::uint8_t>(len));
}

void WriteMpReach(const MpReach& mp, const Context& ctx, Writer& w) {
  w.U16(static_cast<std::uint16_t>(mp.family.afi));
  w.U8(static_cast<std::uint8_t>(mp.family.safi));
  const std::size_t nh_len = mp.next_hop.size() + (mp.link_local ? 16 : 0);
  w.U8(static_cast<std::uint8_t>(nh_len));
  w.Bytes({mp.next_hop.bytes.data(), mp.next_hop.size()});
  if (mp.link_local) w.Bytes({mp.link_local->bytes.data(), 16});
  w.U8(mp.reserved);
  const bool add_path = ctx.AddPath(mp.family);
  for (const auto& p : mp.nlri) EncodeNlri(p, add_path, w);
}

void WriteMpUnreach(const MpUnreach& mp, const Context& ctx, Writer& w) {
  w.U16(static_cast<std::uint16_t>(mp.family.afi));
  w.U8(static_cast<std::uint8_t>(mp.family.safi));
  const bool add_path = ctx.AddPath(mp.family);
  for (const auto& p : mp.withdrawn) EncodeNlri(p, add_path, w);
}

// Canonical order: MP_* first (RFC 7606 §5.1), then by type code.
constexpr AttrType kCanonicalOrder[] = {
    AttrType::kMpReachNlri,  AttrType::kMpUnreachNlri,       AttrType::kOrigin,
    AttrType::kAsPath,       AttrType::kNextHop,             AttrType::kMultiExitDisc,
    AttrType::kLocalPref,    AttrType::kAtomicAggregate,     AttrType::kAggregator,
    AttrType::kCommunities,  AttrType::kOriginatorId,        AttrType::kClusterList,
    AttrType::kExtendedCommunities, AttrType::kAs4Path,      AttrType::kAs4Aggregator,
    AttrType::kLargeCommunity, AttrType::kOnlyToCustomer,
};

class AttrEncoder {
 public:
  AttrEncoder(const PathAttributes& a, const Context& ctx, Writer& w)
      : a_(a), ctx_(ctx), w_(w), unknown_done_(a.unknown.size(), false) {
    // For a 2-octet peer, carry 4-octet ASNs in AS4_PATH/AS4_AGGREGATOR (RFC 6793 §4.2.2).
    if (!ctx.four_octet_as) {
      if (a.as4_path) {
        as4_path_ = *a.as4_path;
      } else if (a.as_path && a.as_path->HasAsnAbove16Bits()) {
        as4_path_ = As4PathFor(*a.as_path);
      }
      if (a.as4_aggregator) {
        as4_aggregator_ = *a.as4_aggregator;
      } else if (a.aggregator && a.aggregator->asn > 0xffff) {
        as4_aggregator_ = *a.aggregator;
      }
    }
  }

  void Run() {
    for (const auto& slot : a_.wire_order) EmitType(slot.type, slot.flags);
    for (AttrType t : kCanonicalOrder) EmitType(static_cast<std::uint8_t>(t), std::nullopt);
    for (std::size_t i = 0; i < a_.unknown.size(); ++i) EmitUnknown(i);
  }

 private:
  void EmitUnknown(std::size_t i) {
    if (unknown_done_[i]) return;
    unknown_done_[i] = true;
    const auto& raw = a_.unknown[i];
    std::uint8_t flags = raw.flags;
    // RFC 4271 §5: an unrecognized optional transitive attribute is passed on with Partial.
    if ((flags & kOptional) && (flags & kTransitive)) flags |= kPartial;
    Emit(w_, flags, raw.type, [&] { w_.Bytes(raw.value); });
  }

  void EmitType(std::uint8_t type, std::optional<std::uint8_t> recorded) {
    if (done_[type]) return;
    const AttrSpec* spec = FindSpec(type);
    if (spec == nullptr) {
      for (std::size_t i = 0; i < a_.unknown.size(); ++i) {
        if (a_.unknown[i].type == type && !unknown_done_[i]) {
          EmitUnknown(i);
          break;
        }
      }
      return;
    }
    done_[type] = true;
    std::uint8_t flags = DefaultFlags(spec->flags);
    if (recorded) {
      flags |= *recorded & kExtendedLength;
      if (spec->flags == FlagClass::kOptionalTransitive) flags |= *recorded & kPartial;
    }
    auto emit = [&](auto&& fn) { Emit(w_, flags, type, fn); };
    switch (spec->type) {
      case AttrType::kOrigin:
        if (a_.origin) emit([&] { w_.U8(static_cast<std::uint8_t>(*a_.origin)); });
        break;
      case AttrType::kAsPath:
        if (a_.as_path) emit([&] { EncodeAsPath(*a_.as_path, ctx_.four_octet_as, w_); });
        break;
      case AttrType::kNextHop:
        if (a_.next_hop) emit([&] { w_.Bytes({a_.next_hop->bytes.data(), 4}); });
        break;
      case AttrType::kMultiExitDisc:
        if (a_.med) emit([&] { w_.U32(*a_.med); });
        break;
      case AttrType::kLocalPref:
        if (a_.local_pref) emit([&] { w_.U32(*a_.local_pref); });
        break;
      case AttrType::kAtomicAggregate:
        if (a_.atomic_aggregate) emit([] {});
        break;
      case AttrType::kAggregator:
        if (a_.aggregator) {
          emit([&] {
            if (ctx_.four_octet_as) {
              w_.U32(a_.aggregator->asn);
            } else {
              w_.U16(a_.aggregator->asn > 0xffff ? kAsTrans
                                                 : static_cast<std::uint16_t>(a_.aggregator->asn));
            }
            w_.U32(a_.aggregator->address);
          });
        }
        break;
      case AttrType::kCommunities:
        if (!a_.communities.empty()) {
          emit([&] {
            for (auto c : a_.communities) w_.U32(c);
          });
        }
        break;
      case AttrType::kOriginatorId:
        if (a_.originator_id) emit([&] { w_.U32(*a_.originator_id); });
        break;
      case AttrType::kClusterList:
        if (!a_.cluster_list.empty()) {
          emit([&] {
            for (auto c : a_.cluster_list) w_.U32(c);
          });
        }
        break;
      case AttrType::kMpReachNlri:
        if (a_.mp_reach) emit([&] { WriteMpReach(*a_.mp_reach, ctx_, w_); });
        break;
      case AttrType::kMpUnreachNlri:
        if (a_.mp_unreach) emit([&] { WriteMpUnreach(*a_.mp_unreach, ctx_, w_); });
        break;
      case AttrType::kExtendedCommunities:
        if (!a_.extended_communities.empty()) {
          emit([&] {
            for (const auto& c : a_.extended_communities) w_.Bytes(c);
          });
        }
        break;
      case AttrType::kAs4Path:
        if (as4_path_) emit([&] { EncodeAsPath(*as4_path_, true, w_); });
        break;
      case AttrType::kAs4Aggregator:
        if (as4_aggregator_) {
          emit([&] {
            w_.U32(as4_aggregator_->asn);
            w_.U32(as4_aggregator_->address);
          });
        }
        break;
      case AttrType::kLargeCommunity:
        if (!a_.large_communities.empty()) {
          emit([&] {
            for (const auto& c : a_.large_communities) {
              w_.U32(c.global);
              w_.U32(c.local1);
              w_.U32(c.local2);
            }
          });
        }
        break;
      case AttrType::kOnlyToCustomer:
        if (a_.otc) emit([&] { w_.U32(*a_.otc); });
        break;
      default:
        break;
    }
  }

  const PathAttributes& a_;
  const Context& ctx_;
  Writer& w_;
  std::bitset<256> done_;
  std::vector<bool> unknown_done_;
  std::optional<AsPath> as4_path_;
  std::optional<Aggregator> as4_aggregator_;
};

}  // namespace

void EncodeAttributes(const PathAttributes& attrs, const Context& ctx, Writer& w) {
  AttrEncoder(attrs, ctx, w).Run();
}

}  // namespace bgpdemo::bgp::wire
