// The router's journal (bgp/server/journal.h) on a RIB: what it keeps of a ChangeSet, a big
// batch counted in one entry, its capacity and what After says is gone; and the control
// socket's JSON of it.
#include "bgp/server/journal.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "bgp/api/server_api.h"

using namespace bgpdemo;
using namespace bgpdemo::bgp;
using server::Journal;

namespace {

wire::Update Announce(const std::vector<std::string>& prefixes, const char* next_hop) {
  wire::Update u;
  u.attrs.origin = wire::Origin::kIgp;
  u.attrs.as_path = wire::AsPath::Sequence({65100});
  u.attrs.next_hop = *wire::IpAddress::Parse(next_hop);
  for (const auto& p : prefixes) u.nlri.push_back(*wire::Prefix::Parse(p));
  return u;
}

struct Fixture {
  rib::Rib rib{rib::RibOptions{65000, 0x0a000001}};
  Journal journal;
  Fixture() {
    auto accept = policy::ImportPolicy{policy::Filter::AcceptAll(), std::nullopt};
    (void)rib.SetPeer({1, *wire::IpAddress::Parse("172.22.0.2"), 65100, 0xac160002, false}, accept);
    (void)rib.SetPeer({2, *wire::IpAddress::Parse("172.22.0.3"), 65100, 0xac160003, false}, accept);
  }
  void Change(const rib::ChangeSet& cs) {
    journal.OnChanges(rib, cs);
    rib.Compact([](wire::Afi, std::size_t, std::size_t) {});
  }
};

std::vector<std::string> Lines(const Journal& j) {
  std::vector<std::string> out;
  for (const auto& e : j.After(0)) {
    out.push_back(std::string(ToString(e.kind)) + " " + e.prefix.ToString() + " " +
                  e.peer.ToString() + " " + std::to_string(e.count) + " " + e.detail);
  }
  return out;
}

}  // namespace

TEST_CASE("journal: best paths learned, moved to ECMP, withdrawn, sessions with reasons") {
  Fixture f;
  f.journal.SessionUp(*wire::IpAddress::Parse("172.22.0.2"), "node-a");
  f.Change(f.rib.Update(1, Announce({"10.241.1.0/24"}, "172.22.0.2")));
  // The same prefix from a second peer: ECMP, the best's next hops changed.
  f.Change(f.rib.Update(2, Announce({"10.241.1.0/24"}, "172.22.0.3")));
  f.journal.SessionDown(*wire::IpAddress::Parse("172.22.0.2"), "sent Hold Timer Expired");
  f.Change(f.rib.PeerDown(1));
  f.Change(f.rib.PeerDown(2));
  const auto lines = Lines(f.journal);
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "session_up 0.0.0.0/0 172.22.0.2 0 node-a");
  CHECK(lines[1] == "route 10.241.1.0/24 172.22.0.2 1 ");
  CHECK(lines[2].starts_with("route 10.241.1.0/24 "));
  CHECK(lines[2].ends_with(" 2 "));  // two ECMP paths
  CHECK(lines[3] == "session_down 0.0.0.0/0 172.22.0.2 0 sent Hold Timer Expired");
  CHECK(lines[4] == "route 10.241.1.0/24 172.22.0.3 1 ");  // the other peer's path only
  CHECK(lines[5] == "withdrawn 10.241.1.0/24 0.0.0.0 0 ");
  const auto all = f.journal.After(0);
  for (std::size_t i = 1; i < all.size(); ++i) {
    CHECK(all[i].seq == all[i - 1].seq + 1);
    CHECK(all[i].time >= all[i - 1].time);
  }
  CHECK(f.journal.After(all[3].seq).size() == 2);

  const auto json = api::JournalJson(f.journal, 0);
  REQUIRE(json["entries"].size() == 6);
  CHECK(json["dropped"] == 0);
  CHECK(json["capacity"] == Journal::kCapacity);
  CHECK(json["entries"][3]["kind"] == "session_down");
  CHECK(json["entries"][3]["peer"] == "172.22.0.2");
  CHECK(json["entries"][3]["detail"] == "sent Hold Timer Expired");
  CHECK_FALSE(json["entries"][3].contains("prefix"));
  CHECK(json["entries"][5] == nlohmann::json{{"seq", 6},
                                             {"time", json["entries"][5]["time"]},
                                             {"kind", "withdrawn"},
                                             {"prefix", "10.241.1.0/24"}});
  CHECK(json["entries"][0]["time"].get<std::string>().ends_with("Z"));
}

TEST_CASE("journal: a big batch is one entry that counts it, the oldest go past the capacity") {
  Fixture f;
  std::vector<std::string> prefixes;
  for (int i = 0; i < 1000; ++i) prefixes.push_back(fmt::format("10.{}.{}.0/24", i / 256, i % 256));
  f.Change(f.rib.Update(1, Announce(prefixes, "172.22.0.2")));
  auto lines = Lines(f.journal);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "routes 0.0.0.0/0 172.22.0.2 1000 ");
  // Every one withdrawn: no peer to name.
  f.Change(f.rib.PeerDown(1));
  CHECK(Lines(f.journal).back() == "routes 0.0.0.0/0 0.0.0.0 1000 ");

  for (std::size_t i = 0; i < Journal::kCapacity + 10; ++i) {
    f.journal.SessionUp(*wire::IpAddress::Parse("172.22.0.2"), "n");
  }
  std::uint64_t dropped = 0;
  const auto kept = f.journal.After(0, &dropped);
  CHECK(kept.size() == Journal::kCapacity);
  CHECK(dropped == 12);  // the two batches and the first ten
  CHECK(kept.front().seq == 13);
  f.journal.After(kept.back().seq - 1, &dropped);
  CHECK(dropped == 0);
}
