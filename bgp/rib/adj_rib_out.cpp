#include "bgp/rib/adj_rib_out.h"

#include <algorithm>

#include "base/check.h"

namespace bgpdemo::bgp::rib {

AdjRibOut::AdjRibOut(const Rib& rib) : rib_(rib) {}

AdjRibOut::~AdjRibOut() = default;

bool AdjRibOut::HasPeer(PeerId id) const {
  return id < group_of_.size() && group_of_[id] != nullptr;
}

void AdjRibOut::AddPeer(const ExportPeer& peer) {
  BGPDEMO_CHECK(peer.id != kNoPeer && !HasPeer(peer.id));
  if (peer.id >= group_of_.size()) group_of_.resize(peer.id + 1u, nullptr);
  ExportGroup* group = nullptr;
  for (auto& g : groups_) {
    if (g->Accepts(peer)) {
      group = g.get();
      break;
    }
  }
  if (group == nullptr) {
    groups_.push_back(std::make_unique<ExportGroup>(rib_, store_, peer));
    group = groups_.back().get();
  }
  group->AddMember(peer.id);
  group_of_[peer.id] = group;
}

void AdjRibOut::RemovePeer(PeerId id) {
  if (!HasPeer(id)) return;
  ExportGroup* group = group_of_[id];
  group_of_[id] = nullptr;
  group->RemoveMember(id);
  if (group->empty()) {
    std::erase_if(groups_, [group](const auto& g) { return g.get() == group; });
  }
}

std::vector<std::uint8_t> AdjRibOut::FullTable(PeerId id) {
  BGPDEMO_CHECK(HasPeer(id));
  return group_of_[id]->FullTable(id);
}

std::vector<Outgoing> AdjRibOut::Apply(const ChangeSet& changes) {
  std::vector<Outgoing> out;
  if (changes.changes.empty()) return out;
  for (auto& g : groups_) g->Apply(changes.changes, out);
  return out;
}

void AdjRibOut::Move(wire::Afi afi, std::size_t from, std::size_t to) {
  for (auto& g : groups_) g->Move(afi, from, to);
}

std::size_t AdjRibOut::Advertised(PeerId id, wire::Family family) const {
  if (!HasPeer(id)) return 0;
  return group_of_[id]->Advertised(id, family);
}

bool AdjRibOut::SameGroup(PeerId a, PeerId b) const {
  return HasPeer(a) && HasPeer(b) && group_of_[a] == group_of_[b];
}

std::size_t AdjRibOut::MemoryBytes() const {
  std::size_t n = store_.MemoryBytes() + group_of_.capacity() * sizeof(ExportGroup*);
  for (const auto& g : groups_) n += sizeof(ExportGroup) + g->MemoryBytes();
  return n;
}

}  // namespace bgpdemo::bgp::rib
