// A network namespace for the FIB tests (root): a veth pair d0/d1 inside, d0 holding
// 10.9.0.1/24 and fd09::1/64, removed on scope exit; Inside runs code on a thread that has
// entered it. RootTestsLock: root tests of every worktree take turns.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <thread>

#include "tests/root_tests_lock.h"

namespace bgpdemo::test::netns {

inline std::string Run(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

using bgpdemo::test::RootTestsLock;

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
      if (!(name.starts_with("bgpf") || name.starts_with("bgpn")) || name.size() == 4 ||
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

// A second namespace, bgpn<pid>, for a node on the other end of the test namespace's veth
// pair: d1 moves there with 10.9.0.2/24 and fd09::2/64, and the link-local address the
// kernel makes (no duplicate address detection, so it answers at once); lo holds
// fd00:77::1/128. Removed on scope exit.
class PeerNamespace {
 public:
  explicit PeerNamespace(const TestNamespace& router) : name_(fmt::format("bgpn{}", ::getpid())) {
    ok_ = std::system(
              fmt::format("ip netns add {0} && ip netns exec {0} sysctl -qw "
                          "net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 && "
                          "ip -n {1} link set d1 netns {0} && ip -n {0} link set lo up && "
                          "ip -n {0} addr add 10.9.0.2/24 dev d1 && "
                          "ip -n {0} addr add fd09::2/64 dev d1 nodad && "
                          "ip -n {0} addr add fd00:77::1/128 dev lo && ip -n {0} link set d1 up",
                          name_, router.name())
                  .c_str()) == 0;
  }
  ~PeerNamespace() { (void)std::system(fmt::format("ip netns del {} 2>/dev/null", name_).c_str()); }
  PeerNamespace(const PeerNamespace&) = delete;
  PeerNamespace& operator=(const PeerNamespace&) = delete;
  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool ok_ = false;
};

}  // namespace bgpdemo::test::netns
