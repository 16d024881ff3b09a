// Tests for core/lab/netns: namespaces, ip -batch, sysctls, entering namespaces. The
// ones that create namespaces need root and skip with a printed reason otherwise.
#include "core/lab/netns.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "core/process.h"
#include "tests/core/lab/lab_fixture.h"

using namespace bgpdemo;
using namespace bgpdemo::core::lab;
using namespace std::chrono_literals;

namespace {

// The inode of the calling thread's network namespace.
ino_t ThreadNetns() {
  struct stat st {};
  ::stat("/proc/thread-self/ns/net", &st);
  return st.st_ino;
}

ino_t NamedNetns(const std::string& name) {
  struct stat st {};
  ::stat(("/run/netns/" + name).c_str(), &st);
  return st.st_ino;
}

#define SKIP_UNLESS_ROOT()                               \
  if (auto why = test::RootSkipReason(); !why.empty()) { \
    MESSAGE("skipped: " << why);                         \
    return;                                              \
  }

}  // namespace

TEST_CASE("netns: names are checked before anything runs") {
  auto r = CreateNetns("bad/name");
  REQUIRE_FALSE(r);
  CHECK(r.error() ==
        "\"bad/name\" is not a namespace name: use letters, digits, '-', '_' and '.', at most 64 "
        "characters");
  CHECK_FALSE(NetnsExists("../etc"));
  CHECK(NetnsPids("bgpdemo-no-such-ns").empty());
  CHECK(DeleteNetns("bgpdemo-no-such-ns"));  // nothing to delete: fine
  auto e = EnterNetns("bgpdemo-no-such-ns");
  REQUIRE_FALSE(e);
  CHECK(e.error() ==
        "enter netns bgpdemo-no-such-ns: /run/netns/bgpdemo-no-such-ns: No such file or directory");
  auto t = NetnsThread::Start("bgpdemo-no-such-ns");
  REQUIRE_FALSE(t);
  CHECK(t.error().find("enter netns bgpdemo-no-such-ns") == 0);
  auto b = IpBatch("", {"link show", "link\nshow"});
  REQUIRE_FALSE(b);
  CHECK(b.error() == "ip -batch: command 2 holds a line break: `link\nshow`");
  CHECK(IpBatch("x", {}));  // nothing to do
}

TEST_CASE("netns: NetnsThread without a namespace runs functions on its own thread") {
  auto t = NetnsThread::Start("");
  REQUIRE(t);
  const auto caller = std::this_thread::get_id();
  CHECK((*t)->Run([&] { return std::this_thread::get_id() != caller; }));
  int n = 0;
  (*t)->Run([&] { ++n; });
  CHECK(n == 1);
  // Run from the thread itself runs at once instead of waiting for itself.
  CHECK((*t)->Run([&] { return (*t)->Run([] { return 7; }); }) == 7);
  (*t)->Stop();
  (*t)->Stop();
}

TEST_CASE("netns (root): create, list, exists, pids, delete kills what runs inside") {
  SKIP_UNLESS_ROOT();
  test::TestNamespaces nss;
  const std::string a = nss.Make("a");
  CHECK(NetnsExists(a));
  auto again = CreateNetns(a);
  REQUIRE_FALSE(again);
  CHECK(again.error() == fmt::format("network namespace {} exists already", a));
  const std::string b = nss.Make("b");
  CHECK(ListNetns(nss.prefix()) == std::vector<std::string>{a, b});
  const auto all = ListNetns();
  CHECK(std::count(all.begin(), all.end(), a) == 1);

  // CreateNetns brings the loopback up.
  auto lo = core::RunProcess({"ip", "-n", a, "-o", "link", "show", "lo"});
  REQUIRE(lo);
  CHECK(lo->out.find("state UNKNOWN") != std::string::npos);

  CHECK(NetnsPids(a).empty());
  // One polite process and one that ignores SIGTERM.
  auto p1 = core::SpawnDetached({"sleep", "30"}, {.netns = a});
  auto p2 =
      core::SpawnDetached({"sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"}, {.netns = a});
  REQUIRE(p1);
  REQUIRE(p2);
  auto pids = NetnsPids(a);
  CHECK(std::count(pids.begin(), pids.end(), *p1) == 1);
  CHECK(std::count(pids.begin(), pids.end(), *p2) == 1);
  CHECK(NetnsPids(b).empty());

  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(DeleteNetns(a, 300ms));
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  CHECK_FALSE(NetnsExists(a));
  CHECK_FALSE(core::ProcessAlive(*p1));
  CHECK_FALSE(core::ProcessAlive(*p2));
  CHECK(DeleteNetns(a));  // idempotent
  CHECK(ListNetns(nss.prefix()) == std::vector<std::string>{b});
}

TEST_CASE("netns (root): IpBatch builds a veth between two namespaces, errors name the line") {
  SKIP_UNLESS_ROOT();
  test::TestNamespaces nss;
  const std::string a = nss.Make("a");
  const std::string b = nss.Make("b");
  const std::string peer = nss.Ifname("p");
  // The peer end is created straight in b: nothing passes through our own namespace.
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(IpBatch(a, {
                         fmt::format("link add eth0 type veth peer name {} netns {}", peer, b),
                         "addr add 10.199.0.1/24 dev eth0", "link set eth0 up",
                         "link add br0 type bridge stp_state 0 forward_delay 0", "link set br0 up",
                         "route replace 10.198.0.0/16 via 10.199.0.2",
                         "route replace 10.198.0.0/16 via 10.199.0.3",  // replace: no error
                     }));
  REQUIRE(IpBatch(b, {fmt::format("addr add 10.199.0.2/24 dev {}", peer),
                      fmt::format("link set {} up", peer)}));
  MESSAGE("two ip -batch runs took "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
  auto routes = core::RunProcess({"ip", "-n", a, "route", "show", "10.198.0.0/16"});
  REQUIRE(routes);
  CHECK(routes->out == "10.198.0.0/16 via 10.199.0.3 dev eth0 \n");
  auto ping = core::RunProcess({"ping", "-c1", "-W2", "10.199.0.2"}, {.netns = a});
  if (ping) CHECK_MESSAGE(ping->exit_code == 0, ping->out);

  auto bad = IpBatch(a, {"link set lo up", "link set nope0 up", "link set eth0 down"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == fmt::format("ip -n {} -batch: line 2 `link set nope0 up` failed: Cannot "
                                   "find device \"nope0\"",
                                   a));
  // ip stops at the first failure: line 3 did not run.
  auto eth0 = core::RunProcess({"ip", "-n", a, "-o", "link", "show", "eth0"});
  REQUIRE(eth0);
  CHECK(eth0->out.find(",UP") != std::string::npos);

  auto unknown = IpBatch(a, {"bogus thing"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == fmt::format("ip -n {} -batch: line 1 `bogus thing` failed: Object "
                                       "\"bogus\" is unknown, try \"ip help\".",
                                       a));
}

TEST_CASE("netns (root): sysctls are per namespace") {
  SKIP_UNLESS_ROOT();
  test::TestNamespaces nss;
  const std::string a = nss.Make("a");
  auto before = GetSysctl("", "net.ipv4.ip_forward");
  REQUIRE(before);
  // A new namespace may inherit ip_forward from the initial one (it does on Linux 6.x), so
  // set both values rather than rely on a default; read back through ip netns exec too.
  auto outside_view = [&] {
    auto r = core::RunProcess({"cat", "/proc/sys/net/ipv4/ip_forward"}, {.netns = a});
    REQUIRE(r);
    return r->out;
  };
  for (const char* v : {"0", "1"}) {
    REQUIRE(SetSysctl(a, "net.ipv4.ip_forward", v));
    CHECK(*GetSysctl(a, "net.ipv4.ip_forward") == v);
    CHECK(outside_view() == std::string(v) + "\n");
    CHECK(*GetSysctl("", "net.ipv4.ip_forward") == *before);  // ours untouched
  }
  REQUIRE(SetSysctl(a, "net.ipv4.conf.all.rp_filter", "0"));

  auto bad = SetSysctl(a, "net.ipv4.no_such_key", "1");
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == fmt::format("sysctl net.ipv4.no_such_key=1 in netns {}: "
                                   "/proc/sys/net/ipv4/no_such_key: No such file or directory",
                                   a));
  CHECK_FALSE(SetSysctl(a, "../../etc/passwd", "x"));
}

TEST_CASE("netns (root): EnterNetns moves the thread in and back, NetnsThread stays inside") {
  SKIP_UNLESS_ROOT();
  test::TestNamespaces nss;
  const std::string a = nss.Make("a");
  const ino_t home = ThreadNetns();
  {
    auto g = EnterNetns(a);
    REQUIRE(g);
    CHECK(ThreadNetns() == NamedNetns(a));
  }
  CHECK(ThreadNetns() == home);

  auto t = NetnsThread::Start(a);
  REQUIRE(t);
  CHECK((*t)->netns() == a);
  CHECK((*t)->Run([] { return ThreadNetns(); }) == NamedNetns(a));
  CHECK(ThreadNetns() == home);
}
