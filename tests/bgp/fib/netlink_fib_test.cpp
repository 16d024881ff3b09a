// Tests for bgp/fib/netlink_fib against a real kernel table, in a network namespace made
// for the test (needs root; skips with a reason otherwise). Checked against `ip route`.
// Holds /tmp/bgpdemo-root-tests.lock: root tests of every worktree take turns.
#include "bgp/fib/netlink_fib.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "bgp/fib/mapped_gateway.h"
#include "tests/bgp/fib/netns_fixture.h"

using namespace bgpdemo::bgp;

using namespace bgpdemo::test::netns;

namespace {

fib::Route R(const char* prefix, std::vector<const char*> hops) {
  fib::Route r{*wire::Prefix::Parse(prefix), {}};
  for (auto h : hops) r.next_hops.push_back(*wire::IpAddress::Parse(h));
  return r;
}

}  // namespace

TEST_CASE("netlink fib (root, netns): replace, ECMP, list, remove, flush, as ip route sees them") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to create a network namespace");
    return;
  }
  RootTestsLock lock;
  TestNamespace ns;
  if (!ns.ok()) {
    MESSAGE("skipped: `ip netns add` failed here");
    return;
  }
  ns.Inside([&] {
    auto opened = fib::NetlinkFib::Open();
    REQUIRE(opened);
    auto& f = **opened;
    REQUIRE(f.Replace(R("10.241.1.0/24", {"10.9.0.2"})));
    REQUIRE(f.Replace(R("10.11.0.10/32", {"10.9.0.2", "10.9.0.3"})));
    REQUIRE(f.Replace(R("fd00:10:241:1::/64", {"fd09::2"})));
    auto listed = f.List();
    REQUIRE(listed);
    REQUIRE(listed->size() == 3);
    CHECK(std::count(listed->begin(), listed->end(),
                     R("10.11.0.10/32", {"10.9.0.2", "10.9.0.3"})) == 1);
  });
  const std::string v4 = ns.Routes("-4");
  CHECK(v4.find("10.241.1.0/24 via 10.9.0.2 dev d0") != std::string::npos);
  CHECK(v4.find("10.11.0.10 ") != std::string::npos);  // "proto 197" too, by iproute2 version
  CHECK(v4.find("nexthop via 10.9.0.2 dev d0 weight 1") != std::string::npos);
  CHECK(v4.find("nexthop via 10.9.0.3 dev d0 weight 1") != std::string::npos);
  CHECK(ns.Routes("-6").find("fd00:10:241:1::/64 via fd09::2 dev d0") != std::string::npos);

  // Someone else's route to the same prefix family is never touched by our flush.
  REQUIRE(std::system(
              fmt::format("ip -n {} route add 10.77.0.0/16 via 10.9.0.5", ns.name()).c_str()) == 0);
  ns.Inside([&] {
    auto opened = fib::NetlinkFib::Open();
    REQUIRE(opened);
    auto& f = **opened;
    REQUIRE(f.Replace(R("10.241.1.0/24", {"10.9.0.4"})));  // replace in place
    REQUIRE(f.Remove(*wire::Prefix::Parse("10.11.0.10/32")));
    REQUIRE(f.Remove(*wire::Prefix::Parse("10.11.0.10/32")));  // already gone: fine
  });
  CHECK(ns.Routes("-4") == "10.241.1.0/24 via 10.9.0.4 dev d0 \n");
  ns.Inside([&] {
    auto n = (**fib::NetlinkFib::Open()).Flush();
    REQUIRE(n);
    CHECK(*n == 2);
  });
  CHECK(ns.Routes("-4").empty());
  CHECK(ns.Routes("-6").empty());
  CHECK(Run(fmt::format("ip -n {} route show 10.77.0.0/16", ns.name())).find("via 10.9.0.5") !=
        std::string::npos);

  ns.Inside([&] {
    auto r = (**fib::NetlinkFib::Open()).Replace(R("10.241.9.0/24", {"10.200.0.1"}));
    REQUIRE_FALSE(r);  // the gateway is not on any link
    CHECK(r.error().find("replace route 10.241.9.0/24") == 0);
  });
}

namespace {

// Routes in `ip route` output: lines that do not start with a blank (an ECMP route's next
// hops follow on lines of their own).
std::size_t RouteLines(const std::string& text) {
  std::size_t n = 0;
  for (std::size_t at = 0; at < text.size(); at = text.find('\n', at) + 1) {
    if (text[at] != ' ' && text[at] != '\t') ++n;
    if (text.find('\n', at) == std::string::npos) break;
  }
  return n;
}

// The i-th /24 from 10.128.0.0.
wire::Prefix Nth(std::uint32_t i) {
  return wire::Prefix::V4(0x0a800000u + (i << 8), 24);
}

}  // namespace

TEST_CASE("netlink fib (root, netns): a batch of 10,000 routes, ECMP, one refused prefix") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to create a network namespace");
    return;
  }
  RootTestsLock lock;
  TestNamespace ns;
  if (!ns.ok()) {
    MESSAGE("skipped: `ip netns add` failed here");
    return;
  }
  const auto gw = *wire::IpAddress::Parse("10.9.0.2");
  const std::vector<wire::IpAddress> ecmp{gw, *wire::IpAddress::Parse("10.9.0.3")};
  const auto off_link = *wire::IpAddress::Parse("10.200.0.1");
  ns.Inside([&] {
    auto opened = fib::NetlinkFib::Open();
    REQUIRE(opened);
    auto& f = **opened;
    fib::Batch b;
    for (std::uint32_t i = 0; i < 10000; ++i) {
      if (i == 1234) {
        b.Replace(Nth(i), std::span(&off_link, 1));  // not on any link: refused
      } else if (i % 1000 == 7) {
        b.Replace(Nth(i), ecmp);
      } else {
        b.Replace(Nth(i), std::span(&gw, 1));
      }
    }
    b.Replace(*wire::Prefix::Parse("fd00:10:241:1::/64"),
              std::vector{*wire::IpAddress::Parse("fd09::2")});
    b.Remove(*wire::Prefix::Parse("10.250.0.0/24"));  // not there: no error
    std::vector<fib::ItemError> errors;
    REQUIRE(f.Apply(b, errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].index == 1234);
    CHECK(b.ops()[errors[0].index].prefix == Nth(1234));
    MESSAGE("the kernel's reason: " << errors[0].error);
    CHECK(errors[0].error.find(std::strerror(ENETUNREACH)) == 0);
    auto listed = f.List();
    REQUIRE(listed);
    CHECK(listed->size() == 10000);  // 9,999 IPv4 and the IPv6 one
  });
  const std::string v4 = ns.Routes("-4");
  CHECK(RouteLines(v4) == 9999);
  CHECK(v4.find(Nth(3).ToString() + " via 10.9.0.2 dev d0") != std::string::npos);
  CHECK(v4.find(Nth(1234).ToString() + " ") == std::string::npos);
  CHECK(Run(fmt::format("ip -n {} route show {} proto 197", ns.name(), Nth(1007).ToString()))
            .find("nexthop via 10.9.0.3 dev d0") != std::string::npos);
  ns.Inside([&] {
    auto n = (**fib::NetlinkFib::Open()).Flush();
    REQUIRE(n);
    CHECK(*n == 10000);
  });
  CHECK(ns.Routes("-4").empty());
  CHECK(ns.Routes("-6").empty());
}

TEST_CASE("netlink fib (root, netns): 5,000 refused routes in one batch, every one reported") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to create a network namespace");
    return;
  }
  RootTestsLock lock;
  TestNamespace ns;
  if (!ns.ok()) {
    MESSAGE("skipped: `ip netns add` failed here");
    return;
  }
  ns.Inside([&] {
    auto opened = fib::NetlinkFib::Open(100);  // a table of its own number (< 256: rtm_table)
    REQUIRE(opened);
    auto& f = **opened;
    const auto off_link = *wire::IpAddress::Parse("10.200.0.1");
    const auto gw = *wire::IpAddress::Parse("10.9.0.2");
    fib::Batch b;
    for (std::uint32_t i = 0; i < 5000; ++i) b.Replace(Nth(i), std::span(&off_link, 1));
    b.Replace(Nth(5000), std::span(&gw, 1));
    std::vector<fib::ItemError> errors;
    REQUIRE(f.Apply(b, errors));
    REQUIRE(errors.size() == 5000);
    bool in_order = true;
    for (std::size_t i = 0; i < errors.size(); ++i) in_order = in_order && errors[i].index == i;
    CHECK(in_order);
    auto listed = f.List();
    REQUIRE(listed);
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().prefix == Nth(5000));
  });
  CHECK(Run(fmt::format("ip -n {} route show table 100 proto 197", ns.name())) ==
        Nth(5000).ToString() + " via 10.9.0.2 dev d0 \n");
  CHECK(ns.Routes("-4").empty());  // the main table is not ours to touch
}

TEST_CASE(
    "netlink fib (root, netns): an IPv6 route with an IPv4-mapped next hop goes through "
    "the node's link-local address, and traffic gets there; unresolvable ones are named") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to create a network namespace");
    return;
  }
  RootTestsLock lock;
  TestNamespace ns;
  PeerNamespace node(ns);
  if (!ns.ok() || !node.ok()) {
    MESSAGE("skipped: `ip netns add` or moving a veth end failed here");
    return;
  }
  // Before the router has talked to the node there is no ARP entry to take the MAC from.
  ns.Inside([&] {
    auto r = (**fib::NetlinkFib::Open()).Replace(R("fd00:77::/64", {"::ffff:10.9.0.2"}));
    REQUIRE_FALSE(r);
    CHECK(r.error().find("next hop ::ffff:10.9.0.2: no ARP entry for 10.9.0.2") !=
          std::string::npos);
  });
  // A datagram to the node makes the kernel resolve its MAC (no ping on every machine).
  REQUIRE(Run(fmt::format("ip netns exec {0} bash -c 'echo > /dev/udp/10.9.0.2/9'; "
                          "for i in $(seq 50); do ip -n {0} neigh show 10.9.0.2 | grep -q lladdr "
                          "&& echo ok && break; sleep 0.05; done",
                          ns.name())) == "ok\n");
  ns.Inside([&] {
    auto opened = fib::NetlinkFib::Open();
    REQUIRE(opened);
    auto& f = **opened;
    fib::Batch b;
    const auto mapped = *wire::IpAddress::Parse("::ffff:10.9.0.2");
    b.Replace(*wire::Prefix::Parse("fd00:77::/64"), std::span(&mapped, 1));
    b.Replace(*wire::Prefix::Parse("fd00:78::/64"),
              std::vector{*wire::IpAddress::Parse("fd09::3"), mapped});
    b.Replace(*wire::Prefix::Parse("fd00:79::/64"),
              std::vector{*wire::IpAddress::Parse("::ffff:10.9.0.99")});  // on the link, silent
    b.Replace(*wire::Prefix::Parse("fd00:7a::/64"),
              std::vector{*wire::IpAddress::Parse("::ffff:10.200.0.1")});  // on no link
    std::vector<fib::ItemError> errors;
    REQUIRE(f.Apply(b, errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].index == 2);
    CHECK(errors[0].error.find("next hop ::ffff:10.9.0.99: no ARP entry for 10.9.0.99") == 0);
    CHECK(errors[1].index == 3);
    CHECK(errors[1].error.find("next hop ::ffff:10.200.0.1: no route to 10.200.0.1") == 0);
  });
  // The address the node's kernel made for itself is the one the route goes through.
  const std::string node_ll = Run(
      fmt::format("ip -n {} -6 -o addr show dev d1 scope link | awk '{{print $4}}' | cut -d/ -f1",
                  node.name()));
  REQUIRE(node_ll.starts_with("fe80::"));
  const std::string ll = node_ll.substr(0, node_ll.size() - 1);
  const std::string v6 = ns.Routes("-6");
  CHECK(v6.find("fd00:77::/64 via " + ll + " dev d0") != std::string::npos);
  CHECK(v6.find("nexthop via " + ll + " dev d0 weight 1") != std::string::npos);
  CHECK(v6.find("nexthop via fd09::3 dev d0 weight 1") != std::string::npos);
  CHECK(v6.find("fd00:79::") == std::string::npos);
  // A TCP connection to a closed port of the node's address over the route: refused (the
  // node's RST came back), where a route that led nowhere would time out.
  CHECK(Run(fmt::format("ip netns exec {} timeout 5 bash -c 'echo > /dev/tcp/fd00:77::1/9' "
                        "2>&1 | grep -q 'Connection refused' && echo refused",
                        ns.name())) == "refused\n");
  ns.Inside([&] {
    auto n = (**fib::NetlinkFib::Open()).Flush();
    REQUIRE(n);
    CHECK(*n == 2);
  });
}

TEST_CASE("netlink fib: the link-local address made from a MAC (modified EUI-64)") {
  CHECK(fib::Eui64LinkLocal({0x02, 0x42, 0xac, 0x12, 0x00, 0x02}).ToString() ==
        "fe80::42:acff:fe12:2");
  CHECK(fib::Eui64LinkLocal({0x52, 0x54, 0x00, 0xab, 0xcd, 0xef}).ToString() ==
        "fe80::5054:ff:feab:cdef");
}
