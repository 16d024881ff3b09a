// Tests for core/host_network: the parsers on output captured from iproute2 6.1.0 (Debian 12)
// in a network namespace with two veth links (172.18.0.250/16 on d0; 172.19.0.250/16 and
// 10.5.0.2/24 on d1; 10.77.0.0/16 via 172.19.0.1; unreachable 10.66/16, prohibit 10.67/16,
// blackhole 10.68/16), the commands through FakeRunner, and the real bind.
#include "core/host_network.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/fake_runner.h"

namespace bgpdemo::core {
namespace {

using bgp::wire::IpAddress;

IpAddress Ip(const char* text) {
  return *IpAddress::Parse(text);
}

// `ip -j -4 addr show` in that namespace (`ip -j addr show` prints the same with IPv6 ones).
constexpr const char* kIpAddr =
    R"([{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295}]},{"ifindex":2,"link_index":2,"ifname":"d0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_netnsid":0,"addr_info":[{"family":"inet","local":"172.18.0.250","prefixlen":16,"scope":"global","label":"d0","valid_life_time":4294967295,"preferred_life_time":4294967295}]},{"ifindex":3,"link_index":3,"ifname":"d1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_netnsid":0,"addr_info":[{"family":"inet","local":"172.19.0.250","prefixlen":16,"scope":"global","label":"d1","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.5.0.2","prefixlen":24,"scope":"global","label":"d1","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]
)";

ProcessResult Out(int code, std::string out, std::string err = "") {
  ProcessResult r;
  r.exit_code = code;
  r.out = std::move(out);
  r.err = std::move(err);
  return r;
}

// `ip -j addr show dev d0` on a veth with 172.18.0.250/16, fc00:f853:ccd:e793::fa/64 added
// nodad and ::fb/64 added with DAD, a moment after the link came up: ::fb and the
// link-local one still tentative.
constexpr const char* kIpAddr6 =
    R"([{"ifindex":3,"link":"p0","ifname":"d0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"d2:48:69:03:8f:32","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet","local":"172.18.0.250","prefixlen":16,"scope":"global","label":"d0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fc00:f853:ccd:e793::fb","prefixlen":64,"scope":"global","tentative":true,"valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fc00:f853:ccd:e793::fa","prefixlen":64,"scope":"global","nodad":true,"valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fe80::d048:69ff:fe03:8f32","prefixlen":64,"scope":"link","tentative":true,"valid_life_time":4294967295,"preferred_life_time":4294967295}]}]
)";

TEST_CASE("host network: ip -j addr show gives every address with its prefix and interface") {
  auto a = ParseIpAddrJson(kIpAddr);
  REQUIRE_MESSAGE(a, (a ? "" : a.error()));
  REQUIRE(a->size() == 4);
  CHECK((*a)[0] == HostAddress{Ip("127.0.0.1"), 8, "lo"});
  CHECK((*a)[1] == HostAddress{Ip("172.18.0.250"), 16, "d0"});
  CHECK((*a)[2] == HostAddress{Ip("172.19.0.250"), 16, "d1"});
  CHECK((*a)[3] == HostAddress{Ip("10.5.0.2"), 24, "d1"});
  CHECK((*a)[1].Subnet().ToString() == "172.18.0.0/16");
  CHECK((*a)[3].Subnet().ToString() == "10.5.0.0/24");
  CHECK((*a)[1].ToString() == "172.18.0.250/16 on d0");
  CHECK(ParseIpAddrJson("[]")->empty());
  CHECK_FALSE(ParseIpAddrJson("Object \"addr\" is unknown"));
  CHECK_FALSE(ParseIpAddrJson(R"([{"ifname":"x","addr_info":[{"family":"inet","local":"x"}]}])"));
}

TEST_CASE("host network: of IPv6, only global addresses that passed DAD") {
  auto a = ParseIpAddrJson(kIpAddr6);
  REQUIRE_MESSAGE(a, (a ? "" : a.error()));
  REQUIRE(a->size() == 2);
  CHECK((*a)[0] == HostAddress{Ip("172.18.0.250"), 16, "d0"});
  CHECK((*a)[1] == HostAddress{Ip("fc00:f853:ccd:e793::fa"), 64, "d0"});
  CHECK((*a)[1].Subnet().ToString() == "fc00:f853:ccd:e793::/64");
  CHECK((*a)[1].ToString() == "fc00:f853:ccd:e793::fa/64 on d0");
  // An IPv4 address where the family says inet6 is not iproute2's output.
  CHECK_FALSE(ParseIpAddrJson(
      R"([{"ifname":"x","addr_info":[{"family":"inet6","local":"10.0.0.1","prefixlen":64}]}])"));
}

TEST_CASE("host network: ReadHostAddresses runs ip and turns its failure into an Error") {
  FakeRunner f;
  f.Expect({"ip", "-j", "addr", "show"}).Prints(kIpAddr);
  auto a = ReadHostAddresses(f);
  REQUIRE(a);
  CHECK(a->size() == 4);
  f.Expect({"ip", "-j", "addr", "show"}).CannotStart("ip: not found in PATH");
  auto missing = ReadHostAddresses(f);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind() == ErrorKind::kEnvironment);
  f.Expect({"ip", "-j", "addr", "show"}).Exits(255, "Cannot open netlink socket\n");
  auto failed = ReadHostAddresses(f);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind() == ErrorKind::kCommand);
  CHECK(f.Problems().empty());
}

TEST_CASE("host network: ss -ltnpH lines give the local address and the holder") {
  // Captured with python3 listening on 127.0.0.1:179, on [::]:179 and on 0.0.0.0:179.
  const auto l = ParseSsListeners(
      "LISTEN 0      128    127.0.0.1:179 0.0.0.0:* users:((\"python3\",pid=6393,fd=3))\n"
      "LISTEN 0      128    *:179 *:* users:((\"python3\",pid=6534,fd=3))\n"
      "LISTEN 0      128    0.0.0.0:179 0.0.0.0:* users:((\"bird\",pid=812,fd=7),"
      "(\"bird\",pid=813,fd=7))\n"
      "LISTEN 0      4096   10.0.0.1:179 0.0.0.0:*\n");
  REQUIRE(l.size() == 4);
  CHECK(l[0] == TcpListener{"127.0.0.1:179", "python3", 6393});
  CHECK(l[1] == TcpListener{"*:179", "python3", 6534});
  CHECK(l[2] == TcpListener{"0.0.0.0:179", "bird", 812});
  CHECK(l[3] == TcpListener{"10.0.0.1:179", "", 0});  // another user's, seen without root
  CHECK(ParseSsListeners("").empty());

  FakeRunner f;
  f.Expect({"ss", "-ltnpH", "sport = :179"})
      .Prints("LISTEN 0      128    0.0.0.0:179 0.0.0.0:* users:((\"bird\",pid=812,fd=7))\n");
  CHECK(ReadTcpListeners(f, 179) == std::vector<TcpListener>{{"0.0.0.0:179", "bird", 812}});
  f.Expect({"ss", "-ltnpH", "sport = :179"}).CannotStart("ss: not found in PATH");
  CHECK(ReadTcpListeners(f, 179).empty());
  CHECK(f.Problems().empty());
}

TEST_CASE("host network: ip route get says on-link, via a gateway, or the kernel's refusal") {
  const auto onlink = ParseRouteGet(Out(
      0, R"([{"dst":"172.18.0.3","from":"172.18.0.250","dev":"d0","flags":[],"uid":0,"cache":[]}])"
         "\n"));
  CHECK(onlink == RouteLookup{true, "d0", "", ""});
  CHECK(onlink.OnLink());

  const auto via = ParseRouteGet(Out(
      0,
      R"([{"dst":"10.77.1.2","from":"172.19.0.250","gateway":"172.19.0.1","dev":"d1","flags":[],"uid":0,"cache":[]}])"
      "\n"));
  CHECK(via == RouteLookup{true, "d1", "172.19.0.1", ""});
  CHECK_FALSE(via.OnLink());

  // To this machine's own address: a local route, which reaches no node.
  const auto self = ParseRouteGet(Out(
      0,
      R"([{"type":"local","dst":"172.18.0.250","from":"172.18.0.250","dev":"lo","flags":[],"uid":0,"cache":["local"]}])"
      "\n"));
  CHECK_FALSE(self.reachable);
  CHECK(self.error == "the route is of type local");

  const std::pair<const char*, const char*> refusals[] = {
      {"RTNETLINK answers: Network is unreachable\n", "Network is unreachable"},  // no route
      {"RTNETLINK answers: No route to host\n", "No route to host"},              // unreachable
      {"RTNETLINK answers: Permission denied\n", "Permission denied"},            // prohibit
      {"RTNETLINK answers: Invalid argument\n", "Invalid argument"},              // blackhole
      {"Error: inet address is expected rather than \"x\".\n",
       "inet address is expected rather than \"x\"."},
  };
  for (const auto& refusal : refusals) {
    const std::string err = refusal.first;
    const std::string want = refusal.second;
    const auto r = ParseRouteGet(Out(2, "", err));
    CHECK_FALSE(r.reachable);
    CHECK(r.error == want);
  }
  CHECK(ParseRouteGet(Out(0, "")).error == "ip printed no route");
  CHECK(ParseRouteGet(Out(1, "")).error == "ip exited with 1");

  FakeRunner f;
  f.Expect({"ip", "-j", "route", "get", "172.18.0.3", "from", "172.18.0.250"})
      .Prints(R"([{"dst":"172.18.0.3","from":"172.18.0.250","dev":"d0"}])");
  auto r = LookupRoute(f, Ip("172.18.0.250"), Ip("172.18.0.3"));
  REQUIRE(r);
  CHECK(r->OnLink());
  CHECK(f.Problems().empty());
}

TEST_CASE("host network: SystemPortBinder binds a free port and says EADDRINUSE for a held one") {
  // A listener on a port the kernel picks, on loopback: no root needed.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof sa;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
  const auto port = ntohs(sa.sin_port);

  SystemPortBinder binder;
  CHECK(binder.TryBind(Ip("127.0.0.1"), port) == EADDRINUSE);
  ::close(fd);
  CHECK(binder.TryBind(Ip("127.0.0.1"), port) == 0);
  CHECK(binder.TryBind(Ip("198.51.100.254"), port) == EADDRNOTAVAIL);  // TEST-NET-2, not ours
}

}  // namespace
}  // namespace bgpdemo::core
