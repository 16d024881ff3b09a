// core/lab/netns's `ip` commands on a FakeRunner, without root: the argv and stdin of
// IpBatch, how it reads ip's "Command failed -:N" into the line that failed, its timeout,
// and the commands CreateNetns runs. netns_test.cpp runs the same against the kernel (root).
#include <doctest/doctest.h>
#include <unistd.h>

#include "core/fake_runner.h"
#include "core/lab/netns.h"

namespace bgpdemo::core::lab {
namespace {

using namespace std::chrono_literals;

TEST_CASE("netns (fake ip): IpBatch feeds every command to one ip -n NS -batch -") {
  FakeRunner f;
  f.Expect({"ip", "-n", "bgpd1-r", "-batch", "-"});
  f.Expect({"ip", "-batch", "-"});
  REQUIRE(IpBatch("bgpd1-r", {"link set lo up", "addr add 10.0.0.1/24 dev eth0"}, f));
  REQUIRE(IpBatch("", {"route show"}, f));
  const auto calls = f.Calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].stdin_text == "link set lo up\naddr add 10.0.0.1/24 dev eth0\n");
  CHECK(calls[0].timeout == 20s);
  CHECK(calls[1].stdin_text == "route show\n");
  // Nothing to do, or a line break in a command: nothing runs.
  CHECK(IpBatch("x", {}, f));
  CHECK(IpBatch("x", {"link show", "link\nshow"}, f).error() ==
        "ip -n x -batch: command 2 holds a line break: `link\nshow`");
  CHECK(f.Calls().size() == 2);
  CHECK(f.Problems().empty());
}

TEST_CASE("netns (fake ip): a failed batch names the line, the command and what ip said") {
  FakeRunner f;
  f.Expect({"ip", "-n", "ns1", "-batch", "-"})
      .Exits(1, "Cannot find device \"nope\"\nCommand failed -:2\n");
  auto r = IpBatch("ns1", {"link set lo up", "link set nope up", "link set lo down"}, f);
  REQUIRE_FALSE(r);
  CHECK(r.error() ==
        "ip -n ns1 -batch: line 2 `link set nope up` failed: Cannot find device \"nope\"");

  // Without a line number, the whole failure as FormatFailure says it.
  f.Expect({"ip", "-batch", "-"}).Exits(255, "Object \"nonsense\" is unknown, try \"ip help\".\n");
  CHECK(IpBatch("", {"nonsense"}, f).error() ==
        "`ip -batch -` exited with 255:\n  Object \"nonsense\" is unknown, try \"ip help\".");

  // A batch that hangs is killed after 20 s.
  f.Expect({"ip", "-batch", "-"}).TimesOut();
  CHECK(IpBatch("", {"monitor"}, f).error() ==
        "`ip -batch -` timed out after 20.0 s and was killed");

  // An ip that cannot start.
  f.Expect({"ip", "-batch", "-"}).CannotStart("ip: not found in PATH");
  CHECK(IpBatch("", {"link show"}, f).error() == "ip: not found in PATH");
  CHECK(f.Problems().empty());
}

TEST_CASE("netns (fake ip): CreateNetns adds the namespace and brings its loopback up") {
  const std::string name = fmt::format("bgpdemo-fake-{}", ::getpid());  // not in /run/netns
  FakeRunner f;
  f.Expect({"ip", "netns", "add", name});
  f.Expect({"ip", "-n", name, "link", "set", "lo", "up"})
      .Exits(1, "Cannot open network namespace: Permission denied\n");
  auto r = CreateNetns(name, f);
  REQUIRE_FALSE(r);
  CHECK(r.error() == fmt::format("`ip -n {} link set lo up` exited with 1:\n"
                                 "  Cannot open network namespace: Permission denied",
                                 name));
  CHECK(f.CommandLines() == std::vector<std::string>{fmt::format("ip netns add {}", name),
                                                     fmt::format("ip -n {} link set lo up", name)});
  // A bad name, or a namespace that is not there to delete: nothing runs.
  CHECK_FALSE(CreateNetns("bad/name", f));
  CHECK(DeleteNetns(name, 0ms, f));
  CHECK(f.Calls().size() == 2);
}

}  // namespace
}  // namespace bgpdemo::core::lab
