// Tests for core/router_placement: the three forms of --router, their typed values, the
// flag text back, and the exact usage errors.
#include "core/router_placement.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace bgpdemo::core {
namespace {

using bgp::wire::IpAddress;

IpAddress Ip(const char* text) {
  return *IpAddress::Parse(text);
}

RouterPlacement Ok(const std::string& value) {
  auto p = ParseRouterPlacement(value);
  REQUIRE_MESSAGE(p, (p ? "" : p.error().message()));
  return *p;
}

std::string Bad(const std::string& value) {
  auto p = ParseRouterPlacement(value);
  REQUIRE_FALSE(p);
  CHECK(p.error().kind() == ErrorKind::kUsage);
  return p.error().message();
}

const std::string kForms = std::string("; valid forms: ") + std::string(kRouterPlacementForms);

TEST_CASE("router placement: host: takes one or more addresses of this machine") {
  const auto one = Ok("host:172.18.0.250");
  CHECK(one.kind == RouterPlacementKind::kHost);
  CHECK(one.addresses == std::vector<IpAddress>{Ip("172.18.0.250")});
  CHECK(one.docker_host.empty());
  CHECK(one.as == 0);
  const auto two = Ok("host:172.18.0.250,172.19.0.250");
  CHECK(two.addresses == std::vector<IpAddress>{Ip("172.18.0.250"), Ip("172.19.0.250")});
  CHECK(ToString(two) == "host:172.18.0.250,172.19.0.250");
}

TEST_CASE("router placement: container: a Docker host URL, its address or the one given") {
  const auto ssh = Ok("container:ssh://me@10.0.0.5");
  CHECK(ssh.kind == RouterPlacementKind::kContainer);
  CHECK(ssh.docker_host == "ssh://me@10.0.0.5");
  CHECK(ssh.addresses == std::vector<IpAddress>{Ip("10.0.0.5")});
  CHECK(ToString(ssh) == "container:ssh://me@10.0.0.5");

  const auto tcp = Ok("container:tcp://192.168.1.20:2375");
  CHECK(tcp.addresses == std::vector<IpAddress>{Ip("192.168.1.20")});

  const auto named = Ok("container:ssh://build-1:2222");
  CHECK(named.docker_host == "ssh://build-1:2222");
  CHECK(named.addresses.empty());

  const auto local = Ok("container:unix:///var/run/docker.sock,172.18.0.1");
  CHECK(local.docker_host == "unix:///var/run/docker.sock");
  CHECK(local.addresses == std::vector<IpAddress>{Ip("172.18.0.1")});
  CHECK(ToString(local) == "container:unix:///var/run/docker.sock,172.18.0.1");

  const auto other = Ok("container:tcp://10.0.0.5:2376,10.0.1.5");
  CHECK(other.addresses == std::vector<IpAddress>{Ip("10.0.1.5")});
  CHECK(ToString(other) == "container:tcp://10.0.0.5:2376,10.0.1.5");
}

TEST_CASE("router placement: external: an address and an AS") {
  const auto e = Ok("external:192.168.1.1,64512");
  CHECK(e.kind == RouterPlacementKind::kExternal);
  CHECK(e.addresses == std::vector<IpAddress>{Ip("192.168.1.1")});
  CHECK(e.as == 64512);
  CHECK(ToString(e) == "external:192.168.1.1,64512");
  CHECK(Ok("external:10.0.0.1,4294967295").as == 4294967295U);
}

TEST_CASE("router placement: IPv6 addresses beside or instead of IPv4 ones") {
  const auto h = Ok("host:172.18.0.250,fc00:f853:ccd:e793::fa");
  CHECK(h.addresses == std::vector<IpAddress>{Ip("172.18.0.250"), Ip("fc00:f853:ccd:e793::fa")});
  CHECK(ToString(h) == "host:172.18.0.250,fc00:f853:ccd:e793::fa");
  CHECK(Ok("host:fd00:18::fa,fd00:19::fa").addresses.size() == 2);
  const auto c = Ok("container:tcp://192.0.2.7:2376,192.0.2.8,fd00::8");
  CHECK(c.addresses == std::vector<IpAddress>{Ip("192.0.2.8"), Ip("fd00::8")});
  CHECK(ToString(c) == "container:tcp://192.0.2.7:2376,192.0.2.8,fd00::8");
  const auto e = Ok("external:192.0.2.1,fd00::1,65010");
  CHECK(e.addresses == std::vector<IpAddress>{Ip("192.0.2.1"), Ip("fd00::1")});
  CHECK(e.as == 65010);
  CHECK(ToString(e) == "external:192.0.2.1,fd00::1,65010");
  const auto e6 = Ok("external:fd00::1,65010");
  CHECK(e6.addresses == std::vector<IpAddress>{Ip("fd00::1")});
  CHECK(ToString(e6) == "external:fd00::1,65010");
}

TEST_CASE("router placement: every bad value names the flag, the problem and the forms") {
  CHECK(Bad("") == "--router : expected a kind, then ':'" + kForms);
  CHECK(Bad("172.18.0.250") == "--router 172.18.0.250: expected a kind, then ':'" + kForms);
  CHECK(Bad("vm:10.0.0.1") == "--router vm:10.0.0.1: \"vm\" is not a placement" + kForms);
  CHECK(Bad("host:") ==
        "--router host:: host: needs at least one address of this machine" + kForms);
  const std::string like =
      " is not an IPv4 or IPv6 address like 172.18.0.250 or fc00:f853:ccd:e793::fa";
  CHECK(Bad("host:10.9.9") == "--router host:10.9.9: address \"10.9.9\"" + like + kForms);
  CHECK(Bad("host:10.0.0.1,") == "--router host:10.0.0.1,: address \"\"" + like + kForms);
  CHECK(Bad("host:::ffff:10.0.0.1") ==
        "--router host:::ffff:10.0.0.1: address \"::ffff:10.0.0.1\"" + like + kForms);
  CHECK(Bad("host:0.0.0.0") ==
        "--router host:0.0.0.0: address 0.0.0.0 is no one's address; give a specific one" + kForms);
  CHECK(Bad("host:::") ==
        "--router host:::: address :: is no one's address; give a specific one" + kForms);
  CHECK(Bad("host:fe80::1") ==
        "--router host:fe80::1: address fe80::1 is link-local, which needs an interface; give a "
        "global or ULA address" +
            kForms);
  CHECK(Bad("host:10.0.0.1,10.0.0.1") ==
        "--router host:10.0.0.1,10.0.0.1: address 10.0.0.1 is given twice" + kForms);
  CHECK(Bad("container:docker.example:2375") ==
        "--router container:docker.example:2375: \"docker.example:2375\" is not a Docker host URL "
        "(unix:///PATH, tcp://HOST[:PORT], ssh://[USER@]HOST[:PORT])" +
            kForms);
  CHECK(Bad("container:unix://docker.sock") ==
        "--router container:unix://docker.sock: \"unix://docker.sock\": unix:// needs an absolute "
        "socket path, like unix:///var/run/docker.sock" +
            kForms);
  CHECK(Bad("container:tcp://10.0.0.5:99999") ==
        "--router container:tcp://10.0.0.5:99999: \"tcp://10.0.0.5:99999\": the port must be "
        "1..65535" +
            kForms);
  CHECK(Bad("container:tcp://me@10.0.0.5") ==
        "--router container:tcp://me@10.0.0.5: \"tcp://me@10.0.0.5\": a user belongs in ssh:// "
        "only" +
            kForms);
  CHECK(Bad("container:ssh://") == "--router container:ssh://: \"ssh://\" names no host" + kForms);
  CHECK(Bad("container:ssh://h,10.0.0.1,10.0.0.2") ==
        "--router container:ssh://h,10.0.0.1,10.0.0.2: container: takes at most one IPv4 and one "
        "IPv6 address" +
            kForms);
  CHECK(Bad("container:ssh://h,10.0.0.1,fd00::1,10.0.0.2") ==
        "--router container:ssh://h,10.0.0.1,fd00::1,10.0.0.2: container: takes DOCKER_HOST and "
        "at most an IPv4 and an IPv6 address" +
            kForms);
  CHECK(Bad("external:10.0.0.1") ==
        "--router external:10.0.0.1: external: takes the router's address (an IPv4 one, an IPv6 "
        "one or both) and its AS" +
            kForms);
  CHECK(Bad("external:fd00::1,fd00::2,65000") ==
        "--router external:fd00::1,fd00::2,65000: external: takes at most one IPv4 and one IPv6 "
        "address" +
            kForms);
  CHECK(Bad("external:10.0.0.1,0") ==
        "--router external:10.0.0.1,0: AS \"0\" is not an AS number (1..4294967295)" + kForms);
  CHECK(Bad("external:10.0.0.1,4294967296") ==
        "--router external:10.0.0.1,4294967296: AS \"4294967296\" is not an AS number "
        "(1..4294967295)" +
            kForms);
  CHECK(Bad("external:10.0.0.1,23456") ==
        "--router external:10.0.0.1,23456: AS 23456 is AS_TRANS (RFC 6793), not a real AS" +
            kForms);
}

}  // namespace
}  // namespace bgpdemo::core
