#include "bgp/wire/message.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/overloaded.h"

namespace bgpdemo::bgp::wire {
namespace {

Unexpected<Error> HeaderError(HeaderSubcode sub, std::size_t at, std::vector<std::uint8_t> data,
                              std::string msg) {
  return Fail(Error{NotifyCode::kMessageHeaderError, static_cast<std::uint8_t>(sub),
                    std::move(data), Action::kSessionReset, at, std::move(msg)});
}

std::size_t MinLength(MessageType t) {
  switch (t) {
    case MessageType::kOpen: return 29;
    case MessageType::kUpdate: return 23;
    case MessageType::kNotification: return 21;
    case MessageType::kKeepalive: return 19;
    // RFC 7313 §5: a ROUTE-REFRESH of any wrong length, short or long, is a ROUTE-REFRESH
    // Message Error carrying the message (DecodeRouteRefresh), not a header error.
    case MessageType::kRouteRefresh: return kHeaderSize;
  }
  return kHeaderSize;
}

Result<RouteRefresh, Error> DecodeRouteRefresh(std::span<const std::uint8_t> whole) {
  // RFC 7313 §5: a ROUTE-REFRESH whose body is not 4 bytes is an error carrying the message.
  if (whole.size() != kHeaderSize + 4) {
    return Fail(Error{NotifyCode::kRouteRefreshError,
                      static_cast<std::uint8_t>(RouteRefreshSubcode::kInvalidMessageLength),
                      std::vector<std::uint8_t>(whole.begin(), whole.end()), Action::kSessionReset,
                      16, fmt::format("ROUTE-REFRESH of {} bytes; must be 23", whole.size())});
  }
  Reader r(whole.subspan(kHeaderSize), kHeaderSize);
  std::uint16_t afi = 0;
  std::uint8_t safi = 0;
  RouteRefresh rr;
  (void)(r.U16(afi) && r.U8(rr.subtype) && r.U8(safi));
  rr.family = {static_cast<Afi>(afi), static_cast<Safi>(safi)};
  return rr;
}

}  // namespace

MessageType TypeOf(const Message& m) {
  return std::visit(Overloaded{
                        [](const Open&) { return MessageType::kOpen; },
                        [](const Update&) { return MessageType::kUpdate; },
                        [](const Notification&) { return MessageType::kNotification; },
                        [](const Keepalive&) { return MessageType::kKeepalive; },
                        [](const RouteRefresh&) { return MessageType::kRouteRefresh; },
                    },
                    m);
}

Result<Header, Error> DecodeHeader(std::span<const std::uint8_t> bytes, const Context& ctx) {
  BGPDEMO_CHECK(bytes.size() >= kHeaderSize);
  for (std::size_t i = 0; i < 16; ++i) {
    if (bytes[i] != 0xff) {
      return HeaderError(HeaderSubcode::kConnectionNotSynchronized, i, {},
                         fmt::format("marker byte {} is 0x{:02x}, not 0xff", i, bytes[i]));
    }
  }
  Header h;
  h.length = static_cast<std::uint16_t>(bytes[16] << 8 | bytes[17]);
  const std::uint8_t type = bytes[18];
  // NOTIFICATION data for a length error; made only then, as framing runs per message.
  const auto length_field = [&bytes] { return std::vector<std::uint8_t>{bytes[16], bytes[17]}; };
  if (h.length < kHeaderSize || h.length > ctx.MaxMessageSize()) {
    return HeaderError(
        HeaderSubcode::kBadMessageLength, 16, length_field(),
        fmt::format("message length {} is outside 19..{}", h.length, ctx.MaxMessageSize()));
  }
  if (type < 1 || type > 5 ||
      (type == static_cast<std::uint8_t>(MessageType::kRouteRefresh) && !ctx.route_refresh)) {
    return HeaderError(HeaderSubcode::kBadMessageType, 18, {type},
                       type == 5 ? std::string("ROUTE-REFRESH received but not negotiated")
                                 : fmt::format("message type {} is not 1 to 5", type));
  }
  h.type = static_cast<MessageType>(type);
  const std::size_t min = MinLength(h.type);
  if (h.length < min || (h.type == MessageType::kKeepalive && h.length != kHeaderSize)) {
    return HeaderError(
        HeaderSubcode::kBadMessageLength, 16, length_field(),
        fmt::format("{} of length {}; {} {}", ToString(h.type), h.length,
                    h.type == MessageType::kKeepalive ? "must be" : "at least", min));
  }
  return h;
}

Result<std::size_t, Error> FrameLength(std::span<const std::uint8_t> buf, const Context& ctx) {
  if (buf.size() < kHeaderSize) return std::size_t{0};
  auto h = DecodeHeader(buf, ctx);
  if (!h) return Fail(std::move(h).error());
  if (buf.size() < h->length) return std::size_t{0};
  return std::size_t{h->length};
}

Result<void, Error> DecodeMessage(std::span<const std::uint8_t> bytes, const Context& ctx,
                                  Incoming& in) {
  in.type.reset();
  if (bytes.size() < kHeaderSize) {
    return HeaderError(HeaderSubcode::kBadMessageLength, 0, {},
                       fmt::format("{} bytes cannot hold a 19-byte header", bytes.size()));
  }
  auto h = DecodeHeader(bytes, ctx);
  if (!h) return Fail(std::move(h).error());
  if (h->length != bytes.size()) {
    return HeaderError(HeaderSubcode::kBadMessageLength, 16, {bytes[16], bytes[17]},
                       fmt::format("header says {} bytes but the message has {}", h->length,
                                   bytes.size()));
  }
  in.type = h->type;
  const auto body = bytes.subspan(kHeaderSize);
  switch (h->type) {
    case MessageType::kOpen: {
      auto o = DecodeOpen(body);
      if (!o) return Fail(std::move(o).error());
      in.other = std::move(o).value();
      return {};
    }
    case MessageType::kUpdate:
      return DecodeUpdate(body, ctx, in.update);
    case MessageType::kNotification: {
      auto n = DecodeNotification(body);
      if (!n) return Fail(std::move(n).error());
      in.other = std::move(n).value();
      return {};
    }
    case MessageType::kKeepalive:
      in.other = Keepalive{};
      return {};
    case MessageType::kRouteRefresh: {
      auto rr = DecodeRouteRefresh(bytes);
      if (!rr) return Fail(std::move(rr).error());
      in.other = rr.value();
      return {};
    }
  }
  return HeaderError(HeaderSubcode::kBadMessageType, 18, {bytes[18]}, "unreachable");
}

Result<Message, Error> DecodeMessage(std::span<const std::uint8_t> bytes, const Context& ctx) {
  Incoming in;
  if (auto res = DecodeMessage(bytes, ctx, in); !res) return Fail(std::move(res).error());
  if (in.type == MessageType::kUpdate) return Message{std::move(in.update)};
  return std::move(in.other);
}

void BeginMessage(MessageType type, Writer& w) {
  w.Fill(0xff, 16);
  w.U16(0);
  w.U8(static_cast<std::uint8_t>(type));
}

Result<std::size_t, std::string> FinishMessage(std::size_t start, const Context& ctx, Writer& w) {
  if (w.overflowed()) {
    return Fail(fmt::format("message does not fit the {}-byte buffer, or a field overflowed",
                            w.size() + w.remaining()));
  }
  const std::size_t len = w.size() - start;
  if (len > ctx.MaxMessageSize()) {
    return Fail(fmt::format("message of {} bytes exceeds the {}-byte maximum{}", len,
                            ctx.MaxMessageSize(),
                            ctx.extended_message ? "" : " (extended messages not negotiated)"));
  }
  w.PatchU16(start + 16, static_cast<std::uint16_t>(len));
  return len;
}

Result<std::size_t, std::string> EncodeMessage(const Message& m, const Context& ctx,
                                               std::span<std::uint8_t> out) {
  Writer w(out);
  BeginMessage(TypeOf(m), w);
  std::visit(Overloaded{
                 [&](const Open& o) { EncodeOpenBody(o, w); },
                 [&](const Update& u) { EncodeUpdateBody(u, ctx, w); },
                 [&](const Notification& n) { EncodeNotificationBody(n, w); },
                 [](const Keepalive&) {},
                 [&](const RouteRefresh& rr) {
                   w.U16(static_cast<std::uint16_t>(rr.family.afi));
                   w.U8(rr.subtype);
                   w.U8(static_cast<std::uint8_t>(rr.family.safi));
                 },
             },
             m);
  return FinishMessage(0, ctx, w);
}

Result<std::vector<std::uint8_t>, std::string> EncodeMessage(const Message& m,
                                                             const Context& ctx) {
  // Encode into the largest buffer a message may need, then trim.
  std::vector<std::uint8_t> buf(kMaxExtendedMessageSize + 1);
  auto n = EncodeMessage(m, ctx, buf);
  if (!n) return Fail(std::move(n).error());
  buf.resize(*n);
  return buf;
}

}  // namespace bgpdemo::bgp::wire
