// Tests for bgp/fib/netlink_fib against a real kernel table, in a network namespace made
// for the test (needs root; skips with a reason otherwise). Checked against `ip route`.
#include "bgp/fib/netlink_fib.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace bgpdemo::bgp;

namespace {

std::string Run(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

// A namespace with a dummy link holding 10.9.0.1/24 and fd09::1/64; removed on scope exit.
class TestNamespace {
 public:
  TestNamespace() : name_(fmt::format("bgpf{}", ::getpid())) {
    ok_ = std::system(fmt::format("ip netns add {0} && ip -n {0} link add d0 type dummy && "
                                  "ip -n {0} link set d0 up && ip -n {0} addr add 10.9.0.1/24 dev d0 "
                                  "&& ip -n {0} addr add fd09::1/64 dev d0 nodad",
                                  name_)
                          .c_str()) == 0;
  }
  ~TestNamespace() { (void)std::system(fmt::format("ip netns del {} 2>/dev/null", name_).c_str()); }
  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }
  std::string Routes(const char* family) const {
    return Run(fmt::format("ip -n {} {} route show proto 197", name_, family));
  }
  // Runs f on a thread that has entered the namespace (the netlink socket stays there).
  template <typename F>
  void Inside(F&& f) const {
    std::thread t([&] {
      const int fd = ::open(fmt::format("/run/netns/{}", name_).c_str(), O_RDONLY);
      REQUIRE(fd >= 0);
      REQUIRE(::setns(fd, CLONE_NEWNET) == 0);
      ::close(fd);
      f();
    });
    t.join();
  }

 private:
  std::string name_;
  bool ok_ = false;
};

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
    CHECK(std::count(listed->begin(), listed->end(), R("10.11.0.10/32", {"10.9.0.2", "10.9.0.3"})) == 1);
  });
  const std::string v4 = ns.Routes("-4");
  CHECK(v4.find("10.241.1.0/24 via 10.9.0.2 dev d0") != std::string::npos);
  CHECK(v4.find("10.11.0.10 proto 197") != std::string::npos);
  CHECK(v4.find("nexthop via 10.9.0.2 dev d0 weight 1") != std::string::npos);
  CHECK(v4.find("nexthop via 10.9.0.3 dev d0 weight 1") != std::string::npos);
  CHECK(ns.Routes("-6").find("fd00:10:241:1::/64 via fd09::2 dev d0") != std::string::npos);

  // Someone else's route to the same prefix family is never touched by our flush.
  REQUIRE(std::system(fmt::format("ip -n {} route add 10.77.0.0/16 via 10.9.0.5", ns.name()).c_str()) == 0);
  ns.Inside([&] {
    auto& f = **fib::NetlinkFib::Open();
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
