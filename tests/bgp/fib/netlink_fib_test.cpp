// Tests for bgp/fib/netlink_fib against a real kernel table, in a network namespace made
// for the test (needs root; skips with a reason otherwise). Checked against `ip route`.
// Holds /tmp/bgpdemo-root-tests.lock: root tests of every worktree take turns.
#include "bgp/fib/netlink_fib.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <sstream>
#include <string>
#include <thread>

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

class RootTestsLock {
 public:
  RootTestsLock()
      : fd_(::open("/tmp/bgpdemo-root-tests.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666)) {
    REQUIRE_MESSAGE(fd_ >= 0, "cannot open /tmp/bgpdemo-root-tests.lock");
    REQUIRE(::flock(fd_, LOCK_EX) == 0);
  }
  ~RootTestsLock() { ::close(fd_); }
  RootTestsLock(const RootTestsLock&) = delete;
  RootTestsLock& operator=(const RootTestsLock&) = delete;

 private:
  int fd_;
};

// A namespace with a veth pair (d0, d1: a dummy link needs a module not everywhere), d0
// holding 10.9.0.1/24 and fd09::1/64; removed on scope exit.
class TestNamespace {
 public:
  TestNamespace() : name_(fmt::format("bgpf{}", ::getpid())) {
    RemoveStale();
    ok_ = std::system(
              fmt::format("ip netns add {0} && ip -n {0} link add d0 type veth peer name d1 && "
                          "ip -n {0} link set d1 up && "
                          "ip -n {0} link set d0 up && ip -n {0} addr add 10.9.0.1/24 dev d0 "
                          "&& ip -n {0} addr add fd09::1/64 dev d0 nodad",
                          name_)
                  .c_str()) == 0;
  }
  ~TestNamespace() { (void)std::system(fmt::format("ip netns del {} 2>/dev/null", name_).c_str()); }
  bool ok() const { return ok_; }
  // Namespaces of this test whose process is gone (killed, or from before failures were
  // carried back to the test's thread).
  static void RemoveStale() {
    std::istringstream names(Run("ip netns list"));
    for (std::string line; std::getline(names, line);) {
      const auto name = line.substr(0, line.find(' '));
      if (!name.starts_with("bgpf") || name.size() == 4 ||
          name.find_first_not_of("0123456789", 4) != std::string::npos) {
        continue;
      }
      const auto pid = name.substr(4);
      if (::kill(std::stoi(pid), 0) == 0 || errno == EPERM) continue;
      (void)std::system(fmt::format("ip netns del {} 2>/dev/null", name).c_str());
    }
  }
  const std::string& name() const { return name_; }
  std::string Routes(const char* family) const {
    return Run(fmt::format("ip -n {} {} route show proto 197", name_, family));
  }
  // Runs f on a thread that has entered the namespace (the netlink socket stays there). A
  // failed REQUIRE there is an exception on that thread: it is carried back and thrown here,
  // so that doctest reports it and the destructor removes the namespace, instead of
  // std::terminate leaving the namespace behind.
  template <typename F>
  void Inside(F&& f) const {
    std::exception_ptr failure;
    std::thread t([&] {
      try {
        const int fd = ::open(fmt::format("/run/netns/{}", name_).c_str(), O_RDONLY);
        REQUIRE(fd >= 0);
        REQUIRE(::setns(fd, CLONE_NEWNET) == 0);
        ::close(fd);
        f();
      } catch (...) {
        failure = std::current_exception();
      }
    });
    t.join();
    if (failure) std::rethrow_exception(failure);
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
