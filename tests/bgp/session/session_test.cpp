// Tests of bgp/session/session with a fake clock, fake transports and a fake dialer
// (session_fakes.h): no sockets, no real time. They cover the seam where frames become FSM
// events (every frame through wire::DecodeMessage, the UPDATE carried in the FSM's action,
// one Update per session), collision resolution (RFC 4271 §6.8), the hold and send hold
// timers (RFC 4271 §10, RFC 9687), and what graceful restart asks of a session (RFC 4724).
#include "bgp/session/session.h"

#include <doctest/doctest.h>

#include "tests/alloc_counter.h"
#include "tests/bgp/session/session_fakes.h"
#include "tests/table_stream.h"

using namespace bgpdemo::bgp;
using namespace std::chrono_literals;
using bgpdemo::test::FakeClock;
using bgpdemo::test::FakeDialer;
using bgpdemo::test::FakeObserver;
using bgpdemo::test::FakeTransport;
using session::Session;
using session::SessionConfig;

namespace {

constexpr std::uint32_t kOurId = 0x0a000001;   // 10.0.0.1
constexpr std::uint32_t kPeerId = 0x0a000002;  // 10.0.0.2

SessionConfig Config(std::uint32_t router_id = kOurId, std::uint32_t peer_as = 65100) {
  SessionConfig c;
  c.name = "peer";
  c.peer_address = wire::IpAddress::V4(kPeerId);
  c.peer_as = peer_as;
  c.local.local_as = 65000;
  c.local.router_id = router_id;
  c.local.hold_time = 90;
  c.fsm.hold_time = 90;
  c.fsm.keepalive_time = 30;
  return c;
}

wire::Open PeerOpen(std::uint32_t as = 65100, bool graceful_restart = false) {
  session::LocalSpeaker peer;
  peer.local_as = as;
  peer.router_id = kPeerId;
  peer.graceful_restart = false;
  wire::Open o = session::BuildOpen(peer);
  if (graceful_restart) {
    o.capabilities.push_back(wire::GracefulRestartCap{
        0, 120, {{wire::kIpv4Unicast, wire::GracefulRestartCap::kForwardingState}}});
  }
  return o;
}

wire::Update Announce(std::vector<wire::Prefix> nlri) {
  wire::Update u;
  u.attrs.origin = wire::Origin::kIgp;
  u.attrs.as_path = wire::AsPath::Sequence({65100});
  u.attrs.next_hop = wire::IpAddress::V4(kPeerId);
  u.nlri = std::move(nlri);
  return u;
}

struct Rig {
  explicit Rig(SessionConfig c = Config())
      : session(std::make_shared<Session>(clock, dialer, std::move(c), observer, log)) {}

  // Dials out and brings the session to Established on the returned transport.
  std::shared_ptr<FakeTransport> Establish(const wire::Open& open = PeerOpen()) {
    session->Start();
    REQUIRE(dialer.dials.size() == 1);
    auto t = std::make_shared<FakeTransport>();
    dialer.Connect(0, t);
    REQUIRE(session->state() == State::kOpenSent);
    REQUIRE(t->Count(wire::MessageType::kOpen) == 1);
    REQUIRE(t->Deliver(wire::Message{open}));
    REQUIRE(session->state() == State::kOpenConfirm);
    REQUIRE(t->Deliver(wire::Message{wire::Keepalive{}}));
    REQUIRE(session->state() == State::kEstablished);
    REQUIRE(observer.established == 1);
    return t;
  }

  FakeClock clock;
  FakeDialer dialer;
  FakeObserver observer;
  NullLogger log;
  std::shared_ptr<Session> session;  // destroyed first
};

}  // namespace

TEST_CASE("session: UPDATEs reach the observer in the FSM's action, all decoded into one Update") {
  Rig rig;
  auto t = rig.Establish();
  CHECK(t->Deliver(wire::Message{Announce({wire::Prefix::V4(0x0a0a0000, 24)})}));
  CHECK(t->Deliver(wire::Message{
      Announce({wire::Prefix::V4(0x0a0b0000, 24), wire::Prefix::V4(0x0a0c0000, 24)})}));
  CHECK(rig.observer.announced == 3);
  REQUIRE(rig.observer.update_objects.size() == 2);
  CHECK(rig.observer.update_objects[0] == rig.observer.update_objects[1]);
  CHECK(rig.session->updates_received() == 2);
  // ROUTE-REFRESH carries its family in the action too; End-of-RIB is an empty UPDATE.
  CHECK(t->Deliver(wire::Message{wire::RouteRefresh{wire::kIpv6Unicast}}));
  CHECK(rig.observer.refreshes == std::vector{wire::kIpv6Unicast});
  CHECK(t->Deliver(wire::Message{wire::Update{}}));
  CHECK(rig.observer.end_of_rib == std::vector{wire::kIpv4Unicast});
  CHECK(rig.session->state() == State::kEstablished);
}

TEST_CASE("session: a bad UPDATE resets with the codec's NOTIFICATION and the attribute as data") {
  Rig rig;
  auto t = rig.Establish();
  // An attribute marked well-known (flags 0x40) of a type nobody knows (99): 3/2, whose
  // data is the whole attribute (RFC 4271 §6.3), the one place its bytes are copied.
  std::vector<std::uint8_t> frame(16, 0xff);
  frame.insert(frame.end(), {0, 27, 2, 0, 0, 0, 4, 0x40, 99, 1, 0});
  CHECK_FALSE(t->Deliver(std::span<const std::uint8_t>(frame)));
  CHECK(rig.session->state() == State::kIdle);
  CHECK(t->Notifications() == std::vector<std::string>{"3/2"});
  const auto sent = t->Sent();
  const auto& n = std::get<wire::Notification>(sent.back());
  CHECK(n.data == std::vector<std::uint8_t>{0x40, 99, 1, 0});
  CHECK(rig.session->last_error().find("(3/2)") != std::string::npos);
  CHECK(rig.observer.update_objects.empty());
  REQUIRE(rig.observer.downs.size() == 1);
}

TEST_CASE("session: decoding a table allocates per message, not per prefix") {
  // iBGP, so that the table's AS paths need not start with the peer's AS.
  Rig rig(Config(kOurId, 65000));
  auto t = rig.Establish(PeerOpen(65000));
  const auto table = bgpdemo::test::MakeTableStream(200'000, 1000, false);
  const std::span<const std::uint8_t> data(table.bytes);
  const wire::Context ctx;
  std::size_t allocations = 0;
  {
    bgpdemo::test::CountAllocations counter;
    for (std::size_t off = 0; off < data.size();) {
      auto len = wire::FrameLength(data.subspan(off), ctx);
      REQUIRE(len);
      REQUIRE(t->Deliver(data.subspan(off, *len)));
      off += *len;
    }
    allocations = counter.count();
  }
  CHECK(rig.observer.announced == 200'000);
  MESSAGE("allocations: " << allocations << " for " << table.messages << " messages");
  // The FSM's action list and the attribute values allocate a few times per message; the
  // prefix vectors of the one Update keep their capacity.
  CHECK(allocations <= table.messages * 5);
  CHECK(allocations * 20 < table.prefixes);
}

TEST_CASE("session: collision, our identifier higher: our connection stays, theirs gets 6/7") {
  Rig rig(Config(0x0a000009));  // 10.0.0.9 > the peer's 10.0.0.2
  rig.session->Start();
  auto ours = std::make_shared<FakeTransport>();
  rig.dialer.Connect(0, ours);
  REQUIRE(rig.session->state() == State::kOpenSent);
  // The peer's connection arrives in OpenSent: held until its OPEN on ours shows its
  // identifier (§6.8).
  auto theirs = std::make_shared<FakeTransport>();
  rig.session->Accept(theirs);
  CHECK_FALSE(theirs->started);
  CHECK(theirs->sent.empty());
  REQUIRE(ours->Deliver(wire::Message{PeerOpen()}));
  CHECK(rig.session->state() == State::kOpenConfirm);
  CHECK(theirs->Notifications() == std::vector<std::string>{"6/7"});
  CHECK(theirs->close_after_write);
  CHECK(ours->Notifications().empty());
  REQUIRE(ours->Deliver(wire::Message{wire::Keepalive{}}));
  CHECK(rig.session->state() == State::kEstablished);

  // Once Established, another connection from the peer is refused at once.
  auto late = std::make_shared<FakeTransport>();
  rig.session->Accept(late);
  CHECK(late->Notifications() == std::vector<std::string>{"6/7"});
  CHECK(rig.session->state() == State::kEstablished);
  CHECK(rig.observer.established == 1);
}

TEST_CASE("session: collision, the peer's identifier higher: its connection wins, ours gets 6/7") {
  Rig rig(Config(kOurId));  // 10.0.0.1 < the peer's 10.0.0.2
  rig.session->Start();
  auto ours = std::make_shared<FakeTransport>();
  rig.dialer.Connect(0, ours);
  REQUIRE(ours->Deliver(wire::Message{PeerOpen()}));
  REQUIRE(rig.session->state() == State::kOpenConfirm);
  // In OpenConfirm the peer's identifier is known: resolved on arrival.
  auto theirs = std::make_shared<FakeTransport>();
  rig.session->Accept(theirs);
  CHECK(ours->Notifications() == std::vector<std::string>{"6/7"});
  CHECK(ours->close_after_write);
  CHECK(theirs->started);
  CHECK(rig.session->state() == State::kOpenSent);
  CHECK(theirs->Count(wire::MessageType::kOpen) == 1);
  REQUIRE(theirs->Deliver(wire::Message{PeerOpen()}));
  REQUIRE(theirs->Deliver(wire::Message{wire::Keepalive{}}));
  CHECK(rig.session->state() == State::kEstablished);
  CHECK(rig.observer.established == 1);
  CHECK(rig.observer.downs.empty());  // never Established on the dumped connection
}

TEST_CASE("session: keepalives every 30 s, the hold timer expires 90 s after the last message") {
  Rig rig;
  auto t = rig.Establish();
  rig.clock.Advance(60s);
  // One KEEPALIVE answered the OPEN, then one every keepalive time.
  CHECK(t->Count(wire::MessageType::kKeepalive) == 3);
  REQUIRE(t->Deliver(wire::Message{wire::Keepalive{}}));  // restarts the hold timer
  rig.clock.Advance(89s);
  CHECK(rig.session->state() == State::kEstablished);
  rig.clock.Advance(1s);
  CHECK(rig.session->state() == State::kIdle);
  CHECK(t->Notifications() == std::vector<std::string>{"4/0"});
  CHECK(rig.session->last_error().rfind("sent ", 0) == 0);
  CHECK(rig.session->last_error().find("(4/0)") != std::string::npos);
  REQUIRE(rig.observer.downs.size() == 1);
  CHECK_FALSE(rig.observer.downs[0].keep_stale);  // no graceful restart capability
}

TEST_CASE("session: while the server is not reading, the hold timer waits") {
  Rig rig;
  auto t = rig.Establish();
  rig.session->SetReading(false);
  CHECK_FALSE(t->reading);
  rig.clock.Advance(300s);
  CHECK(rig.session->state() == State::kEstablished);
  CHECK(rig.observer.downs.empty());
  rig.session->SetReading(true);
  rig.clock.Advance(90s);
  CHECK(rig.session->state() != State::kEstablished);
  CHECK(t->Notifications() == std::vector<std::string>{"4/0"});
  CHECK(rig.observer.downs.size() == 1);
}

TEST_CASE("session: a peer that stops reading meets the send hold timer (RFC 9687)") {
  Rig rig;
  auto t = rig.Establish();
  t->stalled = true;
  auto bytes = wire::EncodeMessage(wire::Message{Announce({wire::Prefix::V4(0x0a0a0000, 24)})},
                                   rig.session->negotiated()->context);
  REQUIRE(bytes);
  rig.session->Send(std::make_shared<const std::vector<std::uint8_t>>(*bytes));
  CHECK(t->queued > 0);
  // The peer still sends KEEPALIVEs, so the hold timer never runs out; nothing it is sent
  // is taken for twice the hold time.
  for (int i = 0; i < 5; ++i) {
    rig.clock.Advance(30s);
    REQUIRE(t->Deliver(wire::Message{wire::Keepalive{}}));
  }
  rig.clock.Advance(29s);
  CHECK(rig.session->state() == State::kEstablished);
  rig.clock.Advance(1s);
  CHECK(rig.session->state() == State::kIdle);
  CHECK(t->closed);
  // Today the connection closes without NOTIFICATION 8 (RFC 9687 §3 asks for one): the
  // peer reads nothing, so it would wait behind the queue, and the write in flight may
  // have stopped mid-message.
  CHECK(t->Notifications().empty());
  CHECK(rig.session->last_error().rfind("send hold timer expired: ", 0) == 0);
  REQUIRE(rig.observer.downs.size() == 1);
}

TEST_CASE("session: a reading peer never meets the send hold timer") {
  Rig rig;
  auto t = rig.Establish();
  for (int i = 0; i < 20; ++i) {
    rig.clock.Advance(30s);
    REQUIRE(t->Deliver(wire::Message{wire::Keepalive{}}));
  }
  CHECK(rig.session->state() == State::kEstablished);
}

TEST_CASE(
    "session: graceful restart, routes kept stale when the connection drops, not on a "
    "NOTIFICATION") {
  Rig rig;
  auto t = rig.Establish(PeerOpen(65100, true));
  REQUIRE(rig.session->negotiated()->peer_graceful_restart);
  // RFC 4724 §4.2: the TCP session ends without a NOTIFICATION: the peer may be restarting.
  t->Fail("connection reset by peer");
  CHECK(rig.session->state() == State::kIdle);
  REQUIRE(rig.observer.downs.size() == 1);
  CHECK(rig.observer.downs[0].keep_stale);
  CHECK(rig.observer.downs[0].restart_time == 120);

  // The restarted peer dials in during the idle hold: taken at once.
  auto again = std::make_shared<FakeTransport>();
  rig.session->Accept(again);
  CHECK(rig.session->state() == State::kOpenSent);
  REQUIRE(again->Deliver(wire::Message{PeerOpen(65100, true)}));
  REQUIRE(again->Deliver(wire::Message{wire::Keepalive{}}));
  CHECK(rig.observer.established == 2);
  // End-of-RIB: the server drops what stayed stale.
  REQUIRE(again->Deliver(wire::Message{wire::Update{}}));
  CHECK(rig.observer.end_of_rib == std::vector{wire::kIpv4Unicast});

  // The hold timer running out keeps them too...
  rig.clock.Advance(90s);
  REQUIRE(rig.observer.downs.size() == 2);
  CHECK(rig.observer.downs[1].keep_stale);

  // ...but a NOTIFICATION is a deliberate end: the routes go.
  rig.clock.Advance(5s);  // the idle hold: it dials again
  REQUIRE(rig.dialer.dials.size() == 2);
  auto third = std::make_shared<FakeTransport>();
  rig.dialer.Connect(1, third);
  REQUIRE(rig.session->state() == State::kOpenSent);
  REQUIRE(third->Deliver(wire::Message{PeerOpen(65100, true)}));
  REQUIRE(third->Deliver(wire::Message{wire::Keepalive{}}));
  CHECK(rig.observer.established == 3);
  CHECK_FALSE(third->Deliver(wire::Message{
      wire::Notification{wire::NotifyCode::kCease,
                         static_cast<std::uint8_t>(wire::CeaseSubcode::kAdministrativeShutdown),
                         {}}}));
  REQUIRE(rig.observer.downs.size() == 3);
  CHECK_FALSE(rig.observer.downs[2].keep_stale);
}

TEST_CASE("session: a refused connect is a TcpConnectionFails, retried after the idle hold") {
  Rig rig;
  rig.session->Start();
  REQUIRE(rig.dialer.dials.size() == 1);
  CHECK(rig.dialer.dials[0].request.peer == wire::IpAddress::V4(kPeerId));
  rig.dialer.Refuse(0, "connect: Connection refused");
  CHECK(rig.session->state() == State::kIdle);
  CHECK(rig.session->last_error() == "connect: Connection refused");
  rig.clock.Advance(5s);  // the first idle hold (FsmConfig::idle_hold_time)
  CHECK(rig.session->state() == State::kConnect);
  CHECK(rig.dialer.dials.size() == 2);
}

TEST_CASE("session: peer_as any takes an external AS and refuses ours with 2/2") {
  Rig any(Config(kOurId, session::kAnyExternalAs));
  any.Establish(PeerOpen(4200000001u));
  CHECK(any.session->negotiated()->peer_as == 4200000001u);

  Rig ours(Config(kOurId, session::kAnyExternalAs));
  ours.session->Start();
  auto t = std::make_shared<FakeTransport>();
  ours.dialer.Connect(0, t);
  CHECK_FALSE(t->Deliver(wire::Message{PeerOpen(65000)}));
  CHECK(ours.session->state() == State::kIdle);
  CHECK(t->Notifications() == std::vector<std::string>{"2/2"});
  CHECK(ours.session->last_error().find("(2/2)") != std::string::npos);
}
