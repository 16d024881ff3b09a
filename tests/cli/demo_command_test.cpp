// The demo verbs where no demo is up (no root needed): what they say and their exit codes;
// the help of up; the lab state file's round trip. The verbs on a running demo are tested
// end to end, as root, by tests/e2e/lab_test.py.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "core/lab/state.h"
#include "tests/test_util.h"

namespace bgpdemo {
namespace {

using test::Bgpdemo;

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/bgpdemo-demo-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

TEST_CASE("demo verbs with no demo up: status and verify exit 1 and say so, down has nothing") {
  TempDir dir;
  const auto state = dir.path + "/state";
  for (const char* verb : {"status", "peers", "routes", "verify"}) {
    CAPTURE(verb);
    const auto r = Bgpdemo({verb, "--state-dir", state});
    CHECK(r.code == 1);
    CHECK(r.err.find("no demo is up") != std::string::npos);
    CHECK(r.err.find("bgpdemo up") != std::string::npos);
  }
  const auto s = Bgpdemo({"status", "--state-dir", state, "-o", "json"});
  CHECK(s.out == "{\"up\":false}\n");
  // A prefix no test or user has: nothing of it exists.
  const auto d = Bgpdemo({"down", "--state-dir", state, "--lab-prefix", "nosuchlab0"});
  CHECK(d.code == 0);
  CHECK(d.out.find("Nothing to remove: no demo is up.") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(state));
}

TEST_CASE("up: flags are checked before anything is made") {
  CHECK(Bgpdemo({"up", "--provider", "docker"}).code == 2);
  CHECK(Bgpdemo({"up", "--node-speaker", "bird"}).code == 2);
  CHECK(Bgpdemo({"up", "--timeout", "0"}).code == 2);
  const auto help = Bgpdemo({"up", "--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("--node-speaker") != std::string::npos);
  CHECK(help.out.find("lab builds the demo from Linux network namespaces") != std::string::npos);
  if (::geteuid() != 0) {
    const auto r = Bgpdemo({"up", "--provider", "lab"});
    CHECK(r.code == 4);
    CHECK(r.err.find("root") != std::string::npos);
  }
}

TEST_CASE("up: a scenario that does not exist is an input error, before anything is made") {
  TempDir dir;
  const auto r = Bgpdemo({"up", "--provider", "lab", "--state-dir", dir.path + "/s", "--scenario",
                          "no-such-scenario"});
  if (::geteuid() != 0) {
    CHECK(r.code == 4);  // the missing root is said first
    return;
  }
  CHECK(r.code == 3);
  CHECK(r.err.find("\"no-such-scenario\" is not a built-in scenario") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path + "/s"));
}

TEST_CASE("lab state: written atomically, read back, a missing state says how to start one") {
  TempDir dir;
  core::lab::LabState s;
  s.prefix = "t1";
  s.scenario = {"description: x\n", "scenarios/x.yaml", "x"};
  s.node_speaker = "gobgpd";
  s.binary = "/usr/bin/bgpdemo";
  s.started_at = 1795000000;
  s.daemon_pid = 4242;
  s.namespaces = {"t1-router", "t1-net-kind"};
  REQUIRE(core::lab::WriteLabState(dir.path + "/st", s));
  CHECK((std::filesystem::status(dir.path + "/st/state.json").permissions() &
         std::filesystem::perms::others_read) == std::filesystem::perms::none);
  auto back = core::lab::ReadLabState(dir.path + "/st");
  REQUIRE(back);
  CHECK(back->prefix == "t1");
  CHECK(back->scenario.text == "description: x\n");
  CHECK(back->scenario.name == "x");
  CHECK(back->node_speaker == "gobgpd");
  CHECK(back->daemon_pid == 4242);
  CHECK(back->namespaces == s.namespaces);
  auto none = core::lab::ReadLabState(dir.path + "/nothing");
  REQUIRE_FALSE(none);
  CHECK(none.error().message().find("start one with `bgpdemo up`") != std::string::npos);

  core::lab::DaemonState d{123, {{"n1", 5}, {"n2", 0}}, 99};
  REQUIRE(core::lab::WriteDaemonState(dir.path + "/st", d));
  auto db = core::lab::ReadDaemonState(dir.path + "/st");
  REQUIRE(db);
  CHECK(db->router_pid == 123);
  CHECK(db->speakers == d.speakers);
}

}  // namespace
}  // namespace bgpdemo
