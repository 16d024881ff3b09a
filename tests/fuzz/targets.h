// The bodies of the fuzz targets, shared by the libFuzzer entry points (tests/fuzz/*_fuzz.cpp)
// and by the unit tests that replay the seed corpus and past crashers
// (tests/bgp/wire/crashers_test.cpp) and mutate valid messages (property_test.cpp).
//
// Each target takes arbitrary bytes and checks what must hold whatever they are:
//   - nothing crashes, overflows or leaks (the sanitizers watch);
//   - every Error carries an RFC 7606 action and an offset inside the input; a decoded
//     UPDATE's action is the strongest of its problems, and its AS_PATH and AS4_PATH merge
//     as RFC 6793 §4.2.3 says;
//   - what decodes cleanly re-encodes, and decodes again to an equal value (NormalizeReencoded
//     says exactly which differences re-encoding is allowed to make).
// A target returns "" when every property held, else what broke; the libFuzzer entry points
// abort() on a non-empty answer so that libFuzzer saves the input.
//
// Input layouts (tests/fuzz/make_corpus.py writes the seed corpus in them):
//   message, update, attributes: byte 0 selects the Context (ContextFromByte), the rest is
//                                a stream of messages / an UPDATE body / a Path Attributes field
//   open, notification:          the message body (after the 19-byte header)
//   capability:                  the value of one Capabilities optional parameter
//   nlri:                        a run of NLRI entries, decoded as IPv4 and IPv6, with and
//                                without ADD-PATH path identifiers
//   hex:                         text for core::ParseHex
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bgp/wire/attributes.h"
#include "bgp/wire/capability.h"
#include "bgp/wire/message.h"
#include "bgp/wire/notification.h"
#include "bgp/wire/open.h"
#include "bgp/wire/prefix.h"
#include "bgp/wire/update.h"
#include "core/hex.h"

namespace bgpdemo::fuzz {

using Bytes = std::span<const std::uint8_t>;

// The Context a message-level input asks for in its first byte:
//   bit 0 four_octet_as          bit 1 extended_message
//   bit 2 add_path_ipv4          bit 3 add_path_ipv6
//   bits 4-5 peer type: 0 unknown, 1 internal, 2 external, 3 external with the first-AS
//            check for AS 65100
//   bit 6 ROUTE-REFRESH not negotiated
//   bit 7 IPv6 unicast not negotiated
inline bgp::wire::Context ContextFromByte(std::uint8_t b) {
  bgp::wire::Context ctx;
  ctx.four_octet_as = (b & 0x01) != 0;
  ctx.extended_message = (b & 0x02) != 0;
  ctx.add_path_ipv4 = (b & 0x04) != 0;
  ctx.add_path_ipv6 = (b & 0x08) != 0;
  switch ((b >> 4) & 0x3) {
    case 0:
      ctx.peer_type = bgp::wire::PeerType::kUnknown;
      break;
    case 1:
      ctx.peer_type = bgp::wire::PeerType::kInternal;
      break;
    case 2:
      ctx.peer_type = bgp::wire::PeerType::kExternal;
      break;
    default:
      ctx.peer_type = bgp::wire::PeerType::kExternal;
      ctx.enforce_first_as = 65100;
      break;
  }
  ctx.route_refresh = (b & 0x40) == 0;
  ctx.ipv6_unicast = (b & 0x80) == 0;
  return ctx;
}

inline std::string Hex(Bytes b) {
  return core::ToHex(b);
}

// The differences that re-encoding a decoded UPDATE is documented to make, applied to the
// decoded value so that decode(encode(decoded)) can be compared with ==:
//   - the four unused low bits of each attribute's flags are sent as 0 (RFC 4271 §4.3: "MUST
//     be zero when sent and MUST be ignored when received"), in wire_order and in unknown;
//   - an unrecognized optional transitive attribute is passed on with Partial set (RFC 4271
//     §5, attributes.h).
// Everything else (values, order, Extended Length, Partial on known attributes) must survive.
inline void NormalizeReencoded(bgp::wire::PathAttributes& a) {
  namespace af = bgp::wire::attr_flag;
  auto is_unknown = [&a](std::uint8_t type) {
    return std::any_of(a.unknown.begin(), a.unknown.end(),
                       [type](const bgp::wire::RawAttribute& r) { return r.type == type; });
  };
  auto normalize = [](std::uint8_t& flags, bool unknown) {
    flags &= static_cast<std::uint8_t>(~af::kUnusedMask);
    if (unknown && (flags & af::kOptional) && (flags & af::kTransitive)) flags |= af::kPartial;
  };
  for (auto& slot : a.wire_order) normalize(slot.flags, is_unknown(slot.type));
  for (auto& raw : a.unknown) normalize(raw.flags, true);
}

// An Error must say what to do (an action) and point inside the message (offsets count from
// the first marker byte, so input_size includes the header).
inline std::string CheckError(const bgp::wire::Error& e, std::size_t input_size,
                              std::string_view what) {
  if (e.action == bgp::wire::Action::kNone) {
    return std::string(what) + ": error without an action: " + bgp::wire::Describe(e);
  }
  if (e.offset > input_size) {
    return std::string(what) + ": error offset " + std::to_string(e.offset) + " is past the " +
           std::to_string(input_size) + "-byte input: " + bgp::wire::Describe(e);
  }
  return "";
}

// RFC 6793 §4.2.3: unless AS4_PATH is ignored for being longer, the path EffectivePath()
// builds from a 2-octet peer's AS_PATH and AS4_PATH has as many ASNs as AS_PATH and keeps
// AS_PATH's leading confederation segments.
inline std::string CheckEffectivePath(const bgp::wire::PathAttributes& a) {
  using bgp::wire::AsSegmentType;
  if (!a.as_path || !a.as4_path || a.as4_path->PathLength() > a.as_path->PathLength()) return "";
  const bgp::wire::AsPath effective = a.EffectivePath();
  const std::string paths = "EffectivePath() \"" + effective.ToString() + "\" of AS_PATH \"" +
                            a.as_path->ToString() + "\" and AS4_PATH \"" + a.as4_path->ToString() +
                            "\"";
  if (effective.PathLength() != a.as_path->PathLength()) return paths + " changes the length";
  for (std::size_t i = 0; i < a.as_path->segments.size(); ++i) {
    const auto& s = a.as_path->segments[i];
    if (s.type != AsSegmentType::kConfedSequence && s.type != AsSegmentType::kConfedSet) break;
    if (i >= effective.segments.size() || !(effective.segments[i] == s)) {
      return paths + " drops a leading confederation segment";
    }
  }
  return "";
}

// A decoded UPDATE's action must be the strongest of its problems (RFC 7606 §3(h)), each
// problem must carry an action, and its AS path must merge as RFC 6793 says.
inline std::string CheckDecodedUpdate(const bgp::wire::Update& u) {
  bgp::wire::Action strongest = bgp::wire::Action::kNone;
  for (const auto& p : u.problems) {
    if (p.action == bgp::wire::Action::kNone) {
      return "UPDATE problem without an action: " + bgp::wire::Describe(p);
    }
    if (p.action == bgp::wire::Action::kSessionReset) {
      return "UPDATE decoded although a problem resets the session: " + bgp::wire::Describe(p);
    }
    strongest = std::max(strongest, p.action);
  }
  if (strongest != u.action) {
    return "UPDATE action " + std::string(bgp::wire::ToString(u.action)) +
           " is not the strongest of its problems (" + std::string(bgp::wire::ToString(strongest)) +
           ")";
  }
  return CheckEffectivePath(u.attrs);
}

// decode(encode(m)) == m for a message that decoded cleanly: every type but an UPDATE that
// RFC 7606 asks to act on (whose problems a re-encoding rightly loses).
inline std::string CheckMessageRoundTrip(const bgp::wire::Message& m,
                                         const bgp::wire::Context& ctx) {
  using namespace bgp::wire;
  Message expected = m;
  if (auto* u = std::get_if<Update>(&expected)) {
    if (u->action != Action::kNone) return "";
    NormalizeReencoded(u->attrs);
  }
  const std::string type(ToString(TypeOf(m)));
  // A buffer of the context's maximum (not EncodeMessage's 64 KiB one) keeps the fuzzers fast.
  std::vector<std::uint8_t> buf(ctx.MaxMessageSize());
  auto n = EncodeMessage(m, ctx, buf);
  if (!n) return "re-encoding a decoded " + type + " failed: " + n.error();
  const Bytes bytes(buf.data(), *n);
  auto again = DecodeMessage(bytes, ctx);
  if (!again) {
    return "re-encoded " + type + " " + Hex(bytes) + " does not decode: " + Describe(again.error());
  }
  if (!(*again == expected)) {
    return "decoded " + type + " changed over encode/decode; re-encoded as " + Hex(bytes);
  }
  return "";
}

// One whole message (header included) under ctx; with round_trip, what decodes must also
// re-encode to an equal message.
inline std::string CheckDecodeMessage(Bytes msg, const bgp::wire::Context& ctx,
                                      bool round_trip = true) {
  using namespace bgp::wire;
  auto m = DecodeMessage(msg, ctx);
  if (!m) return CheckError(m.error(), msg.size(), "DecodeMessage");
  if (const auto* u = std::get_if<Update>(&*m)) {
    if (auto err = CheckDecodedUpdate(*u); !err.empty()) return err;
  }
  return round_trip ? CheckMessageRoundTrip(*m, ctx) : "";
}

// A stream of messages as a session reads it: FrameLength, then DecodeMessage of each frame.
inline std::string CheckFraming(Bytes stream, const bgp::wire::Context& ctx,
                                bool round_trip = true) {
  using namespace bgp::wire;
  while (true) {
    auto n = FrameLength(stream, ctx);
    if (!n) return CheckError(n.error(), stream.size(), "FrameLength");
    if (*n == 0) {
      // More bytes needed: there must be no whole message in the buffer.
      if (stream.size() >= kHeaderSize) {
        const std::size_t len = static_cast<std::size_t>(stream[16]) << 8 | stream[17];
        if (len <= stream.size()) return "FrameLength asked for more bytes with a whole frame";
      }
      return "";
    }
    if (*n < kHeaderSize || *n > stream.size()) {
      return "FrameLength " + std::to_string(*n) + " outside 19.." + std::to_string(stream.size());
    }
    const Bytes frame = stream.first(*n);
    auto m = DecodeMessage(frame, ctx);
    if (!m && m.error().code == NotifyCode::kMessageHeaderError) {
      return "a frame FrameLength accepted fails its header check: " + Describe(m.error());
    }
    if (auto err = CheckDecodeMessage(frame, ctx, round_trip); !err.empty()) return err;
    stream = stream.subspan(*n);
  }
}

inline std::string MessageTarget(Bytes in) {
  if (in.empty()) return "";
  const auto ctx = ContextFromByte(in[0]);
  const Bytes rest = in.subspan(1);
  if (auto err = CheckDecodeMessage(rest, ctx); !err.empty()) return err;
  return CheckFraming(rest, ctx);
}

inline std::string OpenTarget(Bytes body) {
  using namespace bgp::wire;
  auto o = DecodeOpen(body);
  if (!o) {
    if (o.error().code != NotifyCode::kOpenMessageError) {
      return "DecodeOpen error is not an OPEN Message Error: " + Describe(o.error());
    }
    return CheckError(o.error(), kHeaderSize + body.size(), "DecodeOpen");
  }
  std::vector<std::uint8_t> buf(body.size() * 2 + 64);
  Writer w(buf);
  EncodeOpenBody(*o, w);
  if (w.overflowed()) return "re-encoding a decoded OPEN overflowed";
  const Bytes again_bytes(buf.data(), w.size());
  auto again = DecodeOpen(again_bytes);
  if (!again) {
    return "re-encoded OPEN " + Hex(again_bytes) + " does not decode: " + Describe(again.error());
  }
  if (!(*again == *o)) return "OPEN changed over encode/decode; re-encoded as " + Hex(again_bytes);
  return "";
}

inline std::string UpdateTarget(Bytes in) {
  using namespace bgp::wire;
  if (in.empty()) return "";
  const auto ctx = ContextFromByte(in[0]);
  const Bytes body = in.subspan(1);
  Update u;
  if (auto res = DecodeUpdate(body, ctx, u); !res) {
    if (res.error().code != NotifyCode::kUpdateMessageError) {
      return "DecodeUpdate error is not an UPDATE Message Error: " + Describe(res.error());
    }
    return CheckError(res.error(), kHeaderSize + body.size(), "DecodeUpdate");
  }
  if (auto err = CheckDecodedUpdate(u); !err.empty()) return err;
  // A body too large for the context could not have arrived in a message.
  if (u.action != Action::kNone || kHeaderSize + body.size() > ctx.MaxMessageSize()) return "";
  return CheckMessageRoundTrip(Message{std::move(u)}, ctx);
}

inline std::string CapabilityTarget(Bytes value) {
  using namespace bgp::wire;
  Reader r(value, 0);
  std::vector<Capability> caps;
  if (auto res = DecodeCapabilities(r, caps); !res) {
    return CheckError(res.error(), value.size(), "DecodeCapabilities");
  }
  std::vector<std::uint8_t> buf(value.size() + 16);
  Writer w(buf);
  for (const auto& c : caps) EncodeCapability(c, w);
  if (w.overflowed()) return "re-encoding decoded capabilities overflowed";
  const Bytes again_bytes(buf.data(), w.size());
  Reader again_reader(again_bytes, 0);
  std::vector<Capability> again;
  if (auto res = DecodeCapabilities(again_reader, again); !res) {
    return "re-encoded capabilities " + Hex(again_bytes) +
           " do not decode: " + Describe(res.error());
  }
  if (again != caps) return "capabilities changed over encode/decode: " + Hex(again_bytes);
  return "";
}

inline std::string AttributesTarget(Bytes in) {
  using namespace bgp::wire;
  if (in.empty()) return "";
  const auto ctx = ContextFromByte(in[0]);
  const Bytes value = in.subspan(1);
  constexpr std::size_t kBase = kHeaderSize + 4;  // no withdrawn routes
  PathAttributes attrs;
  std::vector<Error> problems;
  if (auto res = DecodeAttributes(value, kBase, ctx, attrs, problems); !res) {
    if (res.error().action != Action::kSessionReset) {
      return "DecodeAttributes returned an error short of a session reset: " +
             Describe(res.error());
    }
    return CheckError(res.error(), kBase + value.size(), "DecodeAttributes");
  }
  for (const auto& p : problems) {
    if (auto err = CheckError(p, kBase + value.size(), "attribute problem"); !err.empty()) {
      return err;
    }
  }
  if (auto err = CheckEffectivePath(attrs); !err.empty()) return err;
  if (!problems.empty()) return "";
  std::vector<std::uint8_t> buf(value.size() + 64);
  Writer w(buf);
  EncodeAttributes(attrs, ctx, w);
  if (w.overflowed()) return "re-encoding decoded attributes overflowed";
  const Bytes again_bytes(buf.data(), w.size());
  PathAttributes again;
  std::vector<Error> again_problems;
  if (auto res = DecodeAttributes(again_bytes, kBase, ctx, again, again_problems);
      !res || !again_problems.empty()) {
    return "re-encoded attributes " + Hex(again_bytes) + " do not decode cleanly";
  }
  NormalizeReencoded(attrs);
  if (!(again == attrs)) return "attributes changed over encode/decode: " + Hex(again_bytes);
  return "";
}

inline std::string NlriTarget(Bytes in) {
  using namespace bgp::wire;
  for (const Afi afi : {Afi::kIpv4, Afi::kIpv6}) {
    for (const bool add_path : {false, true}) {
      const std::string what = std::string(ToString(afi)) + (add_path ? " ADD-PATH" : "");
      Reader r(in, kHeaderSize);
      std::vector<Prefix> out;
      const auto res = DecodeNlri(r, afi, add_path, NotifyCode::kUpdateMessageError, 10, out);
      for (const auto& p : out) {
        if (p.afi != afi || p.length > p.MaxLength()) return what + ": bad prefix " + p.ToString();
        for (std::size_t i = p.length / 8u; i < p.addr.size(); ++i) {
          const unsigned net_bits = i == p.length / 8u ? p.length % 8u : 0u;
          if ((p.addr[i] & (0xffu >> net_bits)) != 0) {
            return what + ": host bits left set in " + p.ToString();
          }
        }
        if (!add_path && p.path_id != 0) return what + ": path id without ADD-PATH";
      }
      if (!res) {
        const auto& e = res.error();
        if (e.code != NotifyCode::kUpdateMessageError || e.subcode != 10 ||
            e.action != Action::kSessionReset) {
          return what + ": NLRI error does not carry the code and action asked for: " + Describe(e);
        }
        if (auto err = CheckError(e, kHeaderSize + in.size(), what); !err.empty()) return err;
        continue;
      }
      std::vector<std::uint8_t> buf(in.size() + 16);
      Writer w(buf);
      for (const auto& p : out) EncodeNlri(p, add_path, w);
      if (w.overflowed() || w.size() != in.size()) {
        return what + ": re-encoded NLRI do not take the bytes they came from";
      }
      Reader again_reader(Bytes(buf.data(), w.size()), 0);
      std::vector<Prefix> again;
      if (!DecodeNlri(again_reader, afi, add_path, NotifyCode::kUpdateMessageError, 10, again) ||
          again != out) {
        return what + ": NLRI changed over encode/decode";
      }
    }
  }
  return "";
}

inline std::string NotificationTarget(Bytes body) {
  using namespace bgp::wire;
  auto n = DecodeNotification(body);
  if (!n) {
    if (body.size() >= 2)
      return "NOTIFICATION of " + std::to_string(body.size()) + " bytes refused";
    return CheckError(n.error(), kHeaderSize + body.size(), "DecodeNotification");
  }
  if (!std::equal(n->data.begin(), n->data.end(), body.begin() + 2, body.end())) {
    return "NOTIFICATION data not kept as it came";
  }
  if (auto text = n->ShutdownText()) {
    if (!n->HasShutdownCommunication() || text->size() != n->data[0] || !IsValidUtf8(*text)) {
      return "ShutdownText gave text that does not match the data: " + *text;
    }
  }
  // Shutdown() of any valid UTF-8 text gives a communication that reads back as its longest
  // prefix of whole characters within 255 bytes.
  const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  if (IsValidUtf8(text)) {
    for (const auto sub :
         {CeaseSubcode::kAdministrativeShutdown, CeaseSubcode::kAdministrativeReset}) {
      const auto s = Notification::Shutdown(sub, text);
      auto back = s.ShutdownText();
      if (!back) return "Shutdown() of valid UTF-8 does not read back: " + back.error();
      if (back->size() > 255 || text.substr(0, back->size()) != *back ||
          (text.size() <= 255 && back->size() != text.size()) ||
          (text.size() > 255 && back->size() < 252)) {
        return "Shutdown() text is not the longest whole-character prefix: " + *back;
      }
    }
  }
  Context ctx;
  ctx.extended_message = true;
  if (kHeaderSize + body.size() > ctx.MaxMessageSize()) return "";
  return CheckMessageRoundTrip(Message{*n}, ctx);
}

inline std::string HexTarget(Bytes in) {
  const std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
  if (auto bytes = core::ParseHex(text)) {
    const std::string hex = core::ToHex(*bytes);
    auto again = core::ParseHex(hex);
    if (!again || *again != *bytes) return "ParseHex(ToHex(x)) != x for parsed text";
  } else if (bytes.error().empty()) {
    return "ParseHex failed without a message";
  }
  // Any bytes print as hex that parses back to them.
  const std::string hex = core::ToHex(in);
  auto back = core::ParseHex(hex);
  if (!back || !std::equal(back->begin(), back->end(), in.begin(), in.end())) {
    return "ParseHex(ToHex(input)) != input";
  }
  return "";
}

// For the libFuzzer entry points: runs target and aborts, naming the broken property, when
// it answers with one.
template <typename Target>
int RunTarget(Target target, const std::uint8_t* data, std::size_t size) {
  const std::string err = target(Bytes(data, size));
  if (!err.empty()) {
    std::fprintf(stderr, "fuzz property broken: %s\n", err.c_str());
    std::abort();
  }
  return 0;
}

}  // namespace bgpdemo::fuzz
