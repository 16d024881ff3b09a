// libFuzzer target: a whole session, its FSM, codec and the RIB behind it, driven by a
// sequence of events the input spells (issue #16). The session runs on the fakes of the unit
// tests (tests/bgp/session/session_fakes.h: no sockets, time moves when told); what it
// reports goes into a rib::Rib as bgp/server does it. Byte 0 sets the speaker (graceful
// restart offered or not, the hold time); then each byte picks an event:
//   0-2  a frame from the peer: a type byte and a body of up to 600 fuzz bytes, behind a
//        valid header (as the connection's framing delivers it)
//   3    the peer's OPEN (AS 65100, IPv4 and IPv6, graceful restart when byte 0 says)
//   4    a KEEPALIVE
//   5    time passes: the next byte x 500 ms, timers fire in order
//   6    the connection drops; the session's next dial, if any, connects a new one
//   7    an UPDATE of the next byte's count of /24s (withdrawing them when its top bit is set)
// Properties, whatever the input:
//   - nothing crashes, overflows, leaks or throws (the sanitizers and the fakes watch);
//   - everything the session sends frames and decodes under its negotiated context;
//   - routes reach the RIB only while the session is Established;
//   - once stopped (and stale routes swept), the RIB holds nothing of the peer.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

#include "bgp/log.h"
#include "bgp/rib/rib.h"
#include "bgp/session/session.h"
#include "tests/bgp/session/session_fakes.h"

namespace {

using namespace bgpdemo;
using namespace bgpdemo::bgp;
using bgpdemo::test::FakeClock;
using bgpdemo::test::FakeDialer;
using bgpdemo::test::FakeTransport;

constexpr std::uint32_t kPeerId = 0x0a000002;
constexpr rib::PeerId kPeer = 1;

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "session_fuzz: property broken: %s\n", what);
  std::abort();
}

// The server's part: routes into the RIB, stale ones kept over a graceful restart.
class RibObserver : public session::SessionObserver {
 public:
  explicit RibObserver(rib::Rib& rib) : rib_(rib) {}
  void OnEstablished(session::Session& s) override {
    const auto& n = s.negotiated();
    (void)rib_.SetPeer({kPeer, s.config().peer_address, n ? n->peer_as : 0, kPeerId, false},
                       policy::ImportPolicy{});
  }
  void OnUpdate(session::Session& s, const wire::Update& u) override {
    if (s.state() != State::kEstablished) Broken("an UPDATE outside Established");
    (void)rib_.Update(kPeer, u);
    if (auto f = u.EndOfRib()) (void)rib_.SweepStale(kPeer, *f);
  }
  void OnRouteRefresh(session::Session&, wire::Family) override {}
  void OnDown(session::Session&, bool keep_stale, std::uint16_t) override {
    if (keep_stale) {
      (void)rib_.MarkStale(kPeer);
    } else {
      (void)rib_.PeerDown(kPeer);
    }
  }
  void OnCongestion(session::Session&, bool) override {}

 private:
  rib::Rib& rib_;
};

struct Reader {
  std::span<const std::uint8_t> in;
  std::size_t at = 0;
  bool more() const { return at < in.size(); }
  std::uint8_t Byte() { return at < in.size() ? in[at++] : 0; }
};

wire::Open PeerOpen(bool graceful_restart) {
  session::LocalSpeaker peer;
  peer.local_as = 65100;
  peer.router_id = kPeerId;
  peer.graceful_restart = graceful_restart;
  return session::BuildOpen(peer);
}

// Every byte the transport got decodes, under the context the session set last.
void CheckSent(const FakeTransport& t) {
  try {
    (void)t.Sent();
  } catch (const std::logic_error&) {
    Broken("the session sent bytes that do not frame or decode");
  }
}

void Run(Reader& r) {
  const std::uint8_t setup = r.Byte();
  NullLogger log;
  FakeClock clock;
  FakeDialer dialer;
  rib::Rib table(rib::RibOptions{65000, 0x0a000001});
  RibObserver observer(table);
  session::SessionConfig c;
  c.name = "peer";
  c.peer_address = wire::IpAddress::V4(kPeerId);
  c.peer_as = 65100;
  c.local.local_as = 65000;
  c.local.router_id = 0x0a000001;
  c.local.graceful_restart = setup & 1;
  c.local.hold_time = setup & 2 ? 3 : 90;
  c.fsm.hold_time = c.local.hold_time;
  c.fsm.keepalive_time = c.local.hold_time / 3;
  auto s = std::make_shared<session::Session>(clock, dialer, c, observer, log);
  s->Start();
  std::vector<std::shared_ptr<FakeTransport>> transports;
  std::size_t connected = 0;
  const auto connect_pending = [&] {
    while (connected < dialer.dials.size()) {
      if (dialer.Cancelled(connected)) {
        ++connected;
        continue;
      }
      transports.push_back(std::make_shared<FakeTransport>());
      dialer.Connect(connected++, transports.back());
      clock.RunPosted();
    }
  };
  connect_pending();
  const bool peer_gr = setup & 4;
  std::uint32_t next_prefix = 0;
  for (int steps = 0; r.more() && steps < 256; ++steps) {
    FakeTransport* t = transports.empty() ? nullptr : transports.back().get();
    const std::uint8_t op = r.Byte() % 8;
    if (op <= 2 && t) {
      const std::uint8_t type = r.Byte() % 7;
      std::size_t len = r.Byte() | (std::size_t{r.Byte()} << 8);
      len = std::min<std::size_t>(len % 601, r.in.size() - std::min(r.at, r.in.size()));
      std::vector<std::uint8_t> frame(wire::kHeaderSize, 0xff);
      frame[16] = static_cast<std::uint8_t>((wire::kHeaderSize + len) >> 8);
      frame[17] = static_cast<std::uint8_t>(wire::kHeaderSize + len);
      frame[18] = type;
      frame.insert(frame.end(), r.in.begin() + static_cast<std::ptrdiff_t>(r.at),
                   r.in.begin() + static_cast<std::ptrdiff_t>(r.at + len));
      r.at += len;
      (void)t->Deliver(std::span<const std::uint8_t>(frame));
    } else if (op == 3 && t) {
      (void)t->Deliver(wire::Message{PeerOpen(peer_gr)});
    } else if (op == 4 && t) {
      (void)t->Deliver(wire::Message{wire::Keepalive{}});
    } else if (op == 5) {
      clock.Advance(std::chrono::milliseconds(500) * r.Byte());
    } else if (op == 6 && t) {
      t->Fail("connection reset by peer");
    } else if (op == 7 && t && s->state() == State::kEstablished) {
      const std::uint8_t n = r.Byte();
      wire::Update u;
      for (int i = 0; i < (n & 0x7f); ++i) {
        u.nlri.push_back(wire::Prefix::V4(0x0a000000u + ((next_prefix + i) % 4096 << 8), 24));
      }
      if (n & 0x80) {
        u.withdrawn = std::move(u.nlri);
        u.nlri.clear();
      } else {
        next_prefix += n & 0x7f;
        u.attrs.origin = wire::Origin::kIgp;
        u.attrs.as_path = wire::AsPath::Sequence({65100});
        u.attrs.next_hop = wire::IpAddress::V4(kPeerId);
      }
      (void)t->Deliver(wire::Message{u});
    }
    clock.RunPosted();
    connect_pending();
    for (const auto& x : transports) CheckSent(*x);
    if (s->state() != State::kEstablished && !(setup & 1) &&
        table.PrefixCount(wire::kIpv4Unicast) != 0) {
      Broken("routes in the RIB while the session is down (no graceful restart)");
    }
  }
  s->Stop("fuzz done");
  clock.RunPosted();
  for (const auto& x : transports) CheckSent(*x);
  if (table.Peer(kPeer) != nullptr) (void)table.PeerDown(kPeer);
  if (table.PrefixCount(wire::kIpv4Unicast) != 0 || table.PrefixCount(wire::kIpv6Unicast) != 0) {
    Broken("the RIB holds routes of a peer that is gone");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r{std::span<const std::uint8_t>(data, size)};
  Run(r);
  return 0;
}
