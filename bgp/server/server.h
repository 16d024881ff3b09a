// One BGP speaker instance: listeners, peers and their sessions, the RIB and the export;
// snapshots of its peers and routes for whoever shows them (bgp/api, the control socket).
//
//   listener --accept--> peer (configured, or dynamic from a range) --> Session
//   Session --OnUpdate--> Rib::Update --ChangeSet--> AdjRibOut::Apply --> Session::Send
//                                             \---> route observers (the FIB, issue #5)
//
// Batching: the ChangeSets of the UPDATEs one read of one peer delivers are exported
// together when the read is done (SessionObserver::OnReadDone), or earlier when anything
// else is about to export or change the Adj-RIB-Out. A route server with a thousand
// clients that each send a few small UPDATEs then queues one chunk per client and read
// for every other client instead of one per UPDATE: the send queues' pointers were 62 MB
// of issue #13's dynamic row (1,000 x 100). The RIB itself is updated at once; only the
// export waits, for at most the rest of that read's messages.
//
// Backpressure: while the send queue of any Established peer is over its high-water mark
// (session/connection.h), no Established session is read, so UPDATEs stop coming in and
// queues stop growing; reading resumes when every queue is under its low-water mark. A
// peer that stops reading altogether is dropped by its send hold timer (RFC 9687).
//
// Configured neighbors with an address get a session at Start (dialling out unless
// passive). A connection from an address inside a neighbor's range creates a dynamic peer
// with that neighbor's AS and policy (RFC 8212 defaults when unset); it is forgotten when
// its session ends (after a graceful-restart wait, when the peer had asked for one).
//
// Threading: one io_context thread runs the server and everything it owns (docs/architecture.md).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "bgp/log.h"
#include "bgp/rib/adj_rib_out.h"
#include "bgp/rib/rib.h"
#include "bgp/server/config.h"
#include "bgp/server/journal.h"
#include "bgp/server/route_observer.h"
#include "bgp/server/snapshot.h"
#include "bgp/session/session.h"

namespace bgpdemo::bgp::server {

namespace asio = boost::asio;

// What a reload did, by neighbor name.
struct ReloadSummary {
  bool everything = false;  // router id, AS, mode, hostname or listeners changed: all restarted
  std::vector<std::string> added, changed, removed, unchanged;
  std::size_t originated = 0, withdrawn = 0;  // originate: prefixes that came and went
  // Settings the new config changes that only a restart applies (the running ones stay).
  std::vector<std::string> not_applied;
};

// A graceful restart of this router (RFC 4724 §4.1, restarting speaker), from the process
// before it: the peers it had up with graceful restart, which this one waits for.
struct RestartPlan {
  std::vector<wire::IpAddress> peers;
  // Longest wait for their End-of-RIB (the selection deferral): then it goes on without.
  std::chrono::seconds deferral{60};
  std::string token;  // whoever asked for the restart names it: restart_status shows it
};

// Where a graceful restart stands: waiting (restarting) or done, and how it ended.
struct RestartStatus {
  bool restarting = false;
  std::vector<wire::IpAddress> expected;    // the plan's peers
  std::vector<wire::IpAddress> end_of_rib;  // of which sent End-of-RIB for every family
  std::chrono::milliseconds elapsed{0};     // since BeginRestart (to the end, once done)
  std::string ended_by;                     // "end-of-rib", "deferral timer"; empty: waiting
  std::string token;                        // the plan's
};

class Server : public session::SessionObserver {
 public:
  // The RIB's peer 0 holds the routes this speaker originates (it has no session).
  static constexpr rib::PeerId kLocalPeer = 0;

  Server(asio::io_context& io, RouterConfig config, Logger& log);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listeners and starts the configured sessions. Fails (and opens nothing) when
  // a listener cannot be bound.
  Result<void, std::string> Start();
  // Cease / Administrative Shutdown with `text` to every peer; closes the listeners.
  void Shutdown(std::string_view text);
  // SIGHUP: applies a new configuration. Sessions of neighbors whose configuration did not
  // change keep running; removed neighbors get Cease 6/3, changed ones 6/6 and restart. A
  // change of router id, AS, mode or listeners restarts everything. Says what it did.
  ReloadSummary Reload(RouterConfig config);

  // Graceful restart, restarting side (bgp/server/restart.cpp). BeginRestart, before
  // Start: every OPEN says Restart State with Forwarding State for its families, and no
  // peer gets an UPDATE until each planned peer has sent End-of-RIB (or plan.deferral
  // passed); then every peer gets its table and End-of-RIB, the route observers
  // OnRestartComplete (FibSync sweeps the kernel routes the old process left and nobody
  // announced again), and new OPENs no longer say Restart State.
  void BeginRestart(RestartPlan plan);
  RestartStatus restart_status() const;
  // The peers a graceful restart now would wait for: Established, graceful restart
  // negotiated with their families (what goes into the next process's RestartPlan).
  std::vector<wire::IpAddress> GracefulPeers() const;

  void AddRouteObserver(RouteObserver* o) { route_observers_.push_back(o); }
  // Sessions up and down and best paths changed, recently (bgp/server/journal.h).
  const Journal& journal() const { return journal_; }

  // Announces (or withdraws) routes this speaker originates (config `originate`).
  void Originate(std::span<const wire::Prefix> prefixes, bool announce);

  // Announces (withdraws) prefixes as Originate does, and adds them to (removes them from)
  // the running config's `originate`, so that a reload compares against what is announced.
  void Announce(std::span<const wire::Prefix> prefixes);
  void Withdraw(std::span<const wire::Prefix> prefixes);

  // What the server knows, as values (bgp/server/snapshot.h); bgp/api shows them on the
  // control socket. Peers in PeerId order; routes IPv4 then IPv6.
  std::vector<PeerSnapshot> Peers() const;
  std::vector<RouteSnapshot> Routes() const;

  const rib::Rib& rib() const { return *rib_; }
  const RouterConfig& config() const { return config_; }
  std::size_t established_count() const;
  // The ports the listeners were bound to (port 0 in the config asks for any).
  std::vector<std::uint16_t> listening_ports() const;

  // SessionObserver
  void OnEstablished(session::Session& s) override;
  void OnUpdate(session::Session& s, const wire::Update& update) override;
  void OnRouteRefresh(session::Session& s, wire::Family family) override;
  void OnDown(session::Session& s, bool keep_stale, std::uint16_t restart_time) override;
  void OnCongestion(session::Session& s, bool congested) override;
  void OnReadDone(session::Session& /*s*/) override { Flush(); }

 private:
  struct Peer {
    rib::PeerId id = rib::kNoPeer;
    std::string neighbor;  // the configuring neighbor's name
    bool dynamic = false;
    wire::IpAddress address;
    std::shared_ptr<session::Session> session;
    std::unique_ptr<asio::steady_timer> restart_timer;  // graceful restart (RFC 4724 §4.2)
    bool stale = false;
    bool exporting = false;  // added to the AdjRibOut
    bool deferred = false;   // Established while we restart: exports when the restart ends
    std::vector<wire::Family> end_of_rib;  // families it sent End-of-RIB for, this session
    bool congested = false;  // its send queue is over the high-water mark
  };
  struct AddressLess {
    bool operator()(const wire::IpAddress& a, const wire::IpAddress& b) const {
      return std::tie(a.afi, a.bytes) < std::tie(b.afi, b.bytes);
    }
  };

  void ResetRib();
  Result<void, std::string> OpenListeners();
  // Puts the neighbors' protection on listener `l`: each TCP MD5 key before the peer's SYN
  // (RFC 2385), minus the keys of `previous` neighbors that went; TTL 255 when a neighbor
  // uses GTSM, as the SYN-ACK leaves with the listener's TTL (bgp/session/ttl_security.h).
  Result<void, std::string> ProtectListener(boost::asio::ip::tcp::acceptor& l,
                                            const std::vector<NeighborConfig>& previous) const;
  void CloseListeners();
  void Accept(asio::ip::tcp::acceptor& acceptor);
  void OnConnection(asio::ip::tcp::socket socket);
  const NeighborConfig* NeighborFor(const wire::IpAddress& addr) const;
  const NeighborConfig* NeighborNamed(const std::string& name) const;
  Peer& CreatePeer(const NeighborConfig& n, const wire::IpAddress& address, bool dynamic);
  void RemovePeer(rib::PeerId id);
  void RemovePeerLater(rib::PeerId id);
  Peer* PeerOf(const session::Session& s);
  session::SessionConfig SessionConfigFor(const NeighborConfig& n, const wire::IpAddress& a) const;
  // Exports what is pending (see Batching above), then cs.
  void Distribute(const rib::ChangeSet& cs);
  // Adds cs from peer `from` to what is pending. REQUIRES: nothing of another peer is
  // pending (OnUpdate flushes it before the RIB changes).
  void Hold(rib::PeerId from, rib::ChangeSet&& cs);
  void Flush();
  void Export(const rib::ChangeSet& cs);
  void StartAll();
  // Adds an Established peer to the Adj-RIB-Out and sends its whole table (with End-of-RIB).
  void StartExport(Peer& p);
  // Restarting: p sent End-of-RIB for `family`; ends the restart when every planned peer has.
  void NoteEndOfRib(Peer& p, wire::Family family);
  void FinishRestart(std::string_view ended_by);
  void SetCongested(Peer& p, bool congested);

  asio::io_context& io_;
  RouterConfig config_;
  Logger& log_;
  std::unique_ptr<rib::Rib> rib_;
  std::unique_ptr<rib::AdjRibOut> out_;
  std::vector<std::unique_ptr<Peer>> peers_;  // index = PeerId; null where free
  std::map<wire::IpAddress, rib::PeerId, AddressLess> by_address_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> listeners_;
  std::vector<RouteObserver*> route_observers_;
  std::size_t congested_ = 0;  // peers with congested set; reading is paused while > 0
  rib::ChangeSet pending_;     // changed in the RIB, not exported yet: from pending_from_
  rib::PeerId pending_from_ = rib::kNoPeer;
  bool shutting_down_ = false;
  // Graceful restart (restarting side): how it stands, when it began.
  RestartStatus restart_;
  std::chrono::steady_clock::time_point restart_began_;
  std::unique_ptr<asio::steady_timer> deferral_timer_;
  Journal journal_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace bgpdemo::bgp::server
