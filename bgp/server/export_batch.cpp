// Server::Distribute and its batching (bgp/server/server.h, "Batching"): RIB changes go to
// the Adj-RIB-Out, the peers' send queues and the route observers, those of one read of
// one peer together.
#include <iterator>

#include "bgp/server/server.h"

namespace bgpdemo::bgp::server {

void Server::Hold(rib::PeerId from, rib::ChangeSet&& cs) {
  pending_from_ = from;
  // Appended, not moved in: the pending vector keeps the capacity of the largest batch so
  // far, so a batch of a few thousand changes does not reallocate (and fault in fresh
  // pages) once per UPDATE.
  pending_.changes.insert(pending_.changes.end(), std::make_move_iterator(cs.changes.begin()),
                          std::make_move_iterator(cs.changes.end()));
}

void Server::Flush() {
  pending_from_ = rib::kNoPeer;
  if (pending_.changes.empty()) return;
  Export(pending_);
  pending_.changes.clear();
}

void Server::Distribute(const rib::ChangeSet& cs) {
  Flush();  // in order: what was read before goes out before
  Export(cs);
}

void Server::Export(const rib::ChangeSet& cs) {
  if (!cs.changes.empty()) {
    for (const auto& o : out_->Apply(cs)) {
      if (o.peer < peers_.size() && peers_[o.peer] && o.bytes) {
        peers_[o.peer]->session->Send(o.bytes);
      }
    }
    for (auto* obs : route_observers_) obs->OnChanges(*rib_, cs);
  }
  // Every RIB change passes here: the item indexes of the next ChangeSet start afresh.
  rib_->Compact([this](wire::Afi afi, std::size_t from, std::size_t to) {
    out_->Move(afi, from, to);
    for (auto* obs : route_observers_) obs->OnMove(afi, from, to);
  });
}

}  // namespace bgpdemo::bgp::server
