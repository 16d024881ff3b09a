// Keeps the kernel FIB equal to the Loc-RIB: every prefix with a best path from a peer is
// installed with its ECMP next hops (rib::Rib::Multipath), replaced when they change and
// removed when the prefix goes (withdrawal, or the peer's session ending).
//
//   Server --ChangeSet--> FibSync::OnChanges: mark the prefix's RIB item dirty (or queue
//                         its removal)             | Pump, on the engine's thread
//                                                  v
//                         read the RIB now, fill a fib::Batch (up to kBatchRoutes)
//                                                  | fib::FibWriter: its own thread
//                                                  v
//                         fib::Fib::Apply (netlink: many routes per sendmsg) -> errors
//
// The engine never waits for the kernel: OnChanges only sets a flag per changed prefix,
// and the kernel's work (about a microsecond a route, which at a million routes is seconds)
// runs on the writer's thread, beside the engine's on another core. What a prefix should be
// is read from the RIB when its batch is filled, not when it changed, so the last state
// of a prefix wins and a prefix that changes ten times while the writer is busy is written
// once. Filling happens when a batch is free: at the end of OnChanges, and when the writer
// hands a batch back (it posts a Pump to the engine's executor).
//
// Memory: no copy of the table. Per RIB item one byte (dirty, written: "a route for it was
// sent"), kept parallel to the RIB's tables by OnMove (the RIB's Compact), a queue of
// prefixes to remove (a prefix's RIB item may be gone before its removal is sent), and
// the writer's two batches; about 1 MiB at a million routes. Removals are queued only for
// prefixes written before, and removals go before the dirty items in each fill, so a
// prefix removed and announced again ends installed.
//
// At start it flushes routes of ours a killed predecessor left, unless this router
// restarts gracefully (Start(kAdopt)): then they stay, forwarding while the peers come
// back, each replaced when its prefix is written again; when the restart completes
// (OnRestartComplete) the ones with no best path from a peer go. (A prefix whose new best
// path has no usable next hop keeps its old route until it changes.) At a clean stop, keep:
// everything pending is written first (the kernel then holds the final Loc-RIB); else the
// batch in flight is finished, what is still pending is dropped, and every route of ours
// is removed (a dump and one batch of removals). Routes this speaker originates are never
// installed (their next hop is the speaker itself), nor next hops of another family than
// the prefix (an IPv6 route with Cilium's ::ffff:a.b.c.d next hop is counted and logged).
// A route the kernel refuses is logged with its prefix and counted (errors()); it is
// tried again when the prefix changes.
//
// Threading: every member function on the engine's thread (the one running the Server),
// but errors(), which any thread may read. The writer's thread calls back only to log and
// count errors and to post a Pump.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <vector>

#include "bgp/fib/fib.h"
#include "bgp/fib/fib_writer.h"
#include "bgp/log.h"
#include "bgp/server/server.h"
#include "bgp/server/snapshot.h"

namespace bgpdemo::bgp::server {

class FibSync : public RouteObserver {
 public:
  static constexpr std::size_t kBatchRoutes = 2048;

  FibSync(fib::Fib& fib, Logger& log);
  ~FibSync() override;

  // Where the writer wakes the engine to fill the next batch (the io_context running the
  // Server). Without one, batches are filled only by OnChanges and Drain (tests).
  // REQUIRES: before the first change.
  void SetExecutor(asio::any_io_executor executor) { executor_ = std::move(executor); }

  enum class Predecessor { kFlush, kAdopt };
  // kFlush: removes routes of ours a predecessor left; kAdopt: keeps them until
  // OnRestartComplete (a graceful restart). Returns how many there were.
  Result<std::size_t, std::string> Start(Predecessor predecessor = Predecessor::kFlush);
  void OnRestartComplete(const rib::Rib& rib) override;
  void OnChanges(const rib::Rib& rib, const rib::ChangeSet& changes) override;
  void OnMove(wire::Afi afi, std::size_t from, std::size_t to) override;
  // Waits until every change so far is applied in the kernel.
  void Drain();
  // A clean stop: see above. No changes are written after it.
  void Stop(bool keep);

  // Counters and the routes of ours the kernel holds: a dump on the writer's thread, after
  // the batches already submitted (so it waits for them; a control-socket request).
  FibSnapshot Snapshot();
  // Changes not yet applied: dirty prefixes, queued removals, operations in flight.
  std::size_t pending() const;
  // Prefixes a route was sent for and not removed since (what the kernel holds once nothing
  // is pending, less the refused ones).
  std::size_t written() const { return written_; }
  std::size_t errors() const { return errors_.load(std::memory_order_relaxed); }
  std::size_t unusable_next_hops() const { return unusable_; }

 private:
  static constexpr std::uint8_t kDirty = 1;
  static constexpr std::uint8_t kWritten = 2;

  static std::size_t Index(wire::Afi afi) { return afi == wire::Afi::kIpv4 ? 0 : 1; }
  // Sizes the flags of afi to the RIB's table (new items are clean).
  void Fit(std::size_t a);
  bool HasWork() const { return removal_head_ < removals_.size() || dirty_ > 0; }
  // Fills and submits batches while there is work and a free batch.
  void Pump();
  void Fill(fib::Batch& batch);
  // Adds what the item at (afi, index) should be to batch, if it differs from nothing.
  void Want(wire::Afi afi, std::size_t index, fib::Batch& batch);
  void OnResult(const fib::Batch& batch, const Result<void, std::string>& result,
                const std::vector<fib::ItemError>& errors);
  void Wake();

  fib::Fib& fib_;
  Logger& log_;
  asio::any_io_executor executor_;
  const rib::Rib* rib_ = nullptr;
  std::array<std::vector<std::uint8_t>, 2> flags_;  // per RIB item of IPv4, IPv6
  std::array<std::size_t, 2> low_{};                // no dirty item below
  std::size_t dirty_ = 0;
  std::vector<wire::Prefix> removals_;
  std::size_t removal_head_ = 0;
  std::size_t written_ = 0;
  std::size_t unusable_ = 0;
  std::vector<wire::IpAddress> hops_;  // reused by Want
  std::vector<wire::Prefix> adopted_;  // a graceful restart's predecessor's routes
  bool stopped_ = false;
  std::atomic<std::size_t> errors_{0};
  std::atomic<bool> wake_posted_{false};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<fib::FibWriter> writer_;  // last: its thread calls back into the above
};

}  // namespace bgpdemo::bgp::server
