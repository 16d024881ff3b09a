// Robustness checklist group A (robustness.md §3): message framing, RFC 4271 §4.1 and §6.1,
// RFC 2918 / RFC 7313 for ROUTE-REFRESH, RFC 8654 for extended messages.
//
// Each case starts from a valid message and changes one thing, then asserts the exact
// NOTIFICATION (code, subcode, data), the RFC 7606 action and the offset from the marker.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bgp/wire/message.h"
#include "core/hex.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::Bytes;
using bgpdemo::test::Cat;
using bgpdemo::test::H;
using bgpdemo::test::Msg;
using bgpdemo::test::UpdateBody;

namespace {

std::string Hex(const Bytes& b) {
  return bgpdemo::core::ToHex(b);
}

struct Want {
  NotifyCode code;
  std::uint8_t subcode;
  Action action;
  std::size_t offset;
  Bytes data;
};

void CheckError(const Error& e, const Want& w) {
  INFO(Describe(e));
  CHECK(static_cast<int>(e.code) == static_cast<int>(w.code));
  CHECK(static_cast<int>(e.subcode) == static_cast<int>(w.subcode));
  CHECK(std::string(ToString(e.action)) == std::string(ToString(w.action)));
  CHECK(e.offset == w.offset);
  CHECK(Hex(e.data) == Hex(w.data));
}

void CheckFails(const Bytes& msg, const Context& ctx, const Want& w) {
  auto m = DecodeMessage(msg, ctx);
  REQUIRE_FALSE(m.has_value());
  CheckError(m.error(), w);
}

Bytes KeepaliveMsg() {
  return Msg(MessageType::kKeepalive, {});
}

// A minimal valid OPEN: version 4, AS 65100, hold 90, ID 10.0.0.1, no optional parameters.
Bytes MinimalOpenBody() {
  return H("04 fe4c 005a 0a000001 00");
}

// Overwrites the header's length field (one mutation, the bytes stay as they are).
Bytes WithLength(Bytes m, std::uint16_t len) {
  m[16] = static_cast<std::uint8_t>(len >> 8);
  m[17] = static_cast<std::uint8_t>(len);
  return m;
}

// An UPDATE of exactly `size` bytes whose only field is Withdrawn Routes: distinct /24s,
// then one /0, /8 or /16 for the remainder.
Bytes UpdateOfSize(std::size_t size) {
  const std::size_t w = size - 23;  // 19 header + 2 + withdrawn + 2
  Bytes withdrawn;
  for (std::size_t i = 0; i < w / 4; ++i) {
    const Bytes p = {24, 10, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    withdrawn.insert(withdrawn.end(), p.begin(), p.end());
  }
  if (const std::size_t r = w % 4; r > 0) {
    withdrawn.push_back(static_cast<std::uint8_t>(8 * (r - 1)));
    for (std::size_t k = 1; k < r; ++k) withdrawn.push_back(11);
  }
  return Msg(MessageType::kUpdate, UpdateBody(withdrawn, {}, {}));
}

}  // namespace

TEST_CASE("robustness A1: marker not all ones -> 1/1") {
  struct Case {
    std::size_t index;
    std::uint8_t value;
  };
  const Case cases[] = {{0, 0x00}, {0, 0xfe}, {7, 0x7f}, {15, 0x00}, {15, 0xef}};
  for (const auto& c : cases) {
    CAPTURE(c.index);
    CAPTURE(static_cast<int>(c.value));
    Bytes m = KeepaliveMsg();
    m[c.index] = c.value;
    // RFC 4271 §6.1: Connection Not Synchronized, no data; offset names the bad marker byte.
    CheckFails(m, {}, {NotifyCode::kMessageHeaderError, 1, Action::kSessionReset, c.index, {}});
  }
}

TEST_CASE("robustness A2: length < 19, > 4096, or != bytes sent -> 1/2") {
  struct Case {
    const char* name;
    Bytes msg;
    bool extended;
    Bytes data;  // the 2-byte length field (RFC 4271 §6.1)
  };
  const Bytes ka = KeepaliveMsg();
  const Case cases[] = {
      {"length 0", WithLength(ka, 0), false, H("0000")},
      {"length 18", WithLength(ka, 18), false, H("0012")},
      {"length 4097", UpdateOfSize(4097), false, H("1001")},
      {"length 65535 without RFC 8654", WithLength(UpdateOfSize(4096), 65535), false, H("ffff")},
      {"header 19, 20 bytes sent", Cat({ka, H("00")}), false, H("0013")},
      {"header 20, 19 bytes sent", WithLength(ka, 20), false, H("0014")},
      {"header 24, 23 bytes sent", WithLength(Msg(MessageType::kUpdate, H("0000 0000")), 24), false,
       H("0018")},
      {"header 4097, 4096 sent (extended)", WithLength(UpdateOfSize(4096), 4097), true, H("1001")},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Context ctx;
    ctx.extended_message = c.extended;
    CheckFails(c.msg, ctx, {NotifyCode::kMessageHeaderError, 2, Action::kSessionReset, 16, c.data});
  }
}

TEST_CASE("robustness A2: 4096 accepted, 4097 and 65535 accepted only with RFC 8654") {
  const Bytes max = UpdateOfSize(4096);
  REQUIRE(max.size() == 4096);
  CHECK(DecodeMessage(max, {}).has_value());

  Context ext;
  ext.extended_message = true;
  const Bytes over = UpdateOfSize(4097);
  REQUIRE(over.size() == 4097);
  auto m = DecodeMessage(over, ext);
  REQUIRE(m.has_value());
  CHECK(std::get<Update>(*m).withdrawn.size() == 1019);

  const Bytes biggest = UpdateOfSize(65535);
  REQUIRE(biggest.size() == 65535);
  CHECK(DecodeMessage(biggest, ext).has_value());
}

TEST_CASE("robustness A2: fewer than 19 bytes -> 1/2 at offset 0, no data") {
  const Bytes ka = KeepaliveMsg();
  const Bytes short_msg(ka.begin(), ka.begin() + 18);
  CheckFails(short_msg, {}, {NotifyCode::kMessageHeaderError, 2, Action::kSessionReset, 0, {}});
  CheckFails(Bytes{}, {}, {NotifyCode::kMessageHeaderError, 2, Action::kSessionReset, 0, {}});
}

TEST_CASE("robustness A3: length under each type's minimum -> 1/2 (IxANVL BGPPLUS-22)") {
  struct Case {
    const char* name;
    MessageType type;
    Bytes body;  // one byte short of (or, for KEEPALIVE, over) the type's size
    Bytes data;
  };
  const Bytes open = MinimalOpenBody();
  const Case cases[] = {
      {"OPEN 28", MessageType::kOpen, Bytes(open.begin(), open.end() - 1), H("001c")},
      {"UPDATE 22", MessageType::kUpdate, H("0000 00"), H("0016")},
      {"KEEPALIVE 20", MessageType::kKeepalive, H("00"), H("0014")},
      {"NOTIFICATION 20", MessageType::kNotification, H("06"), H("0014")},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CheckFails(Msg(c.type, c.body), {},
               {NotifyCode::kMessageHeaderError, 2, Action::kSessionReset, 16, c.data});
  }
}

TEST_CASE("robustness A3: each type at its minimum length is accepted") {
  const Bytes open = Msg(MessageType::kOpen, MinimalOpenBody());
  const Bytes update = Msg(MessageType::kUpdate, H("0000 0000"));
  const Bytes keepalive = KeepaliveMsg();
  const Bytes notification = Msg(MessageType::kNotification, H("04 00"));
  const Bytes refresh = Msg(MessageType::kRouteRefresh, H("0001 00 01"));
  CHECK(open.size() == 29);
  CHECK(update.size() == 23);
  CHECK(notification.size() == 21);
  CHECK(refresh.size() == 23);
  CHECK(std::holds_alternative<Open>(DecodeMessage(open, {}).value()));
  CHECK(std::holds_alternative<Update>(DecodeMessage(update, {}).value()));
  CHECK(std::holds_alternative<Keepalive>(DecodeMessage(keepalive, {}).value()));
  CHECK(std::holds_alternative<Notification>(DecodeMessage(notification, {}).value()));
  auto rr = DecodeMessage(refresh, {});
  REQUIRE(rr.has_value());
  CHECK(std::get<RouteRefresh>(*rr).family == kIpv4Unicast);
}

TEST_CASE("robustness A3: ROUTE-REFRESH body != 4 bytes -> 7/1 with the message as data") {
  // RFC 7313 §5: ROUTE-REFRESH Message Error / Invalid Message Length, Data = the message.
  const Bytes bodies[] = {H(""), H("0001 01"), H("0001 01 01 00"), H("0002 02 01 0000 0000")};
  for (const auto& body : bodies) {
    const Bytes m = Msg(MessageType::kRouteRefresh, body);
    CAPTURE(Hex(m));
    CheckFails(m, {}, {NotifyCode::kRouteRefreshError, 1, Action::kSessionReset, 16, m});
  }
}

TEST_CASE("robustness A4: message type 0/6/255 -> 1/3 with the type as data") {
  for (std::uint8_t type : {0, 6, 7, 128, 255}) {
    CAPTURE(static_cast<int>(type));
    Bytes m = KeepaliveMsg();
    m[18] = type;
    CheckFails(m, {}, {NotifyCode::kMessageHeaderError, 3, Action::kSessionReset, 18, {type}});
  }
}

TEST_CASE("robustness A4: ROUTE-REFRESH before negotiation -> 1/3") {
  const Bytes m = Msg(MessageType::kRouteRefresh, H("0002 00 01"));
  Context ctx;
  ctx.route_refresh = false;
  CheckFails(m, ctx, {NotifyCode::kMessageHeaderError, 3, Action::kSessionReset, 18, H("05")});
  auto h = DecodeHeader(m, ctx);
  REQUIRE_FALSE(h.has_value());
  CHECK(h.error().subcode == 3);

  ctx.route_refresh = true;
  auto ok = DecodeMessage(m, ctx);
  REQUIRE(ok.has_value());
  CHECK(std::get<RouteRefresh>(*ok).family == kIpv6Unicast);
}

// A5 is mostly the session's (split reads, close mid-message, silent peer); the codec's
// part is FrameLength, which a stream reader calls on whatever bytes it has so far.
namespace {

Bytes ThreeMessages() {
  return Cat(
      {KeepaliveMsg(),
       Msg(MessageType::kUpdate, UpdateBody({}, bgpdemo::test::BasicAttrs(), H("18 0a0001"))),
       Msg(MessageType::kOpen, MinimalOpenBody())});
}

}  // namespace

TEST_CASE("robustness A5: FrameLength fed 1 byte at a time returns 0 until a frame is whole") {
  const Bytes stream = ThreeMessages();
  Bytes buf;
  std::vector<MessageType> got;
  std::vector<std::size_t> frame_ends;
  std::size_t fed = 0;
  for (std::uint8_t b : stream) {
    buf.push_back(b);
    ++fed;
    auto n = FrameLength(buf, {});
    REQUIRE(n.has_value());
    if (*n == 0) continue;
    CHECK(*n == buf.size());  // complete exactly when its last byte arrives
    frame_ends.push_back(fed);
    const Bytes frame(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    auto m = DecodeMessage(frame, {});
    REQUIRE(m.has_value());
    got.push_back(TypeOf(*m));
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  CHECK(buf.empty());
  CHECK(got == std::vector<MessageType>{MessageType::kKeepalive, MessageType::kUpdate,
                                        MessageType::kOpen});
  CHECK(frame_ends == std::vector<std::size_t>{19, 19 + 47, 19 + 47 + 29});
}

TEST_CASE("robustness A5: FrameLength splits coalesced messages") {
  const Bytes stream = ThreeMessages();
  std::span<const std::uint8_t> rest(stream);
  std::vector<std::size_t> sizes;
  while (!rest.empty()) {
    auto n = FrameLength(rest, {});
    REQUIRE(n.has_value());
    REQUIRE(*n > 0);
    REQUIRE(DecodeMessage(rest.first(*n), {}).has_value());
    sizes.push_back(*n);
    rest = rest.subspan(*n);
  }
  CHECK(sizes == std::vector<std::size_t>{19, 47, 29});

  // A whole frame followed by a partial one: the first is returned, then 0.
  const Bytes partial(stream.begin(), stream.begin() + 19 + 30);
  CHECK(FrameLength(partial, {}).value() == 19);
  const Bytes second(partial.begin() + 19, partial.end());
  CHECK(FrameLength(second, {}).value() == 0);
}

TEST_CASE("robustness A5: FrameLength reports a bad header once 19 bytes are in") {
  Bytes m = KeepaliveMsg();
  m[3] = 0;
  const Bytes first18(m.begin(), m.begin() + 18);
  CHECK(FrameLength(first18, {}).value() == 0);  // not enough to judge yet
  auto e = FrameLength(m, {});
  REQUIRE_FALSE(e.has_value());
  CheckError(e.error(), {NotifyCode::kMessageHeaderError, 1, Action::kSessionReset, 3, {}});

  // A too-long length is refused from the header alone, before the body arrives.
  const Bytes huge = WithLength(KeepaliveMsg(), 5000);
  auto e2 = FrameLength(huge, {});
  REQUIRE_FALSE(e2.has_value());
  CheckError(e2.error(),
             {NotifyCode::kMessageHeaderError, 2, Action::kSessionReset, 16, H("1388")});

  // A valid header announcing 4096 bytes with 100 present: wait for more.
  const Bytes big = UpdateOfSize(4096);
  const Bytes head(big.begin(), big.begin() + 100);
  CHECK(FrameLength(head, {}).value() == 0);
}
