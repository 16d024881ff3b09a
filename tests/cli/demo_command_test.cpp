// The demo verbs where no demo is up (no root needed): what they say and their exit codes;
// the help of up; the lab state file's round trip; the provider registry as the verbs use
// it (auto selection on a PATH made for the test, a provider that cannot run, a state of
// an unknown provider, kind's state without Docker); exit codes by error kind. The verbs on
// a running demo are tested end to end, as root, by tests/e2e/lab_test.py.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "core/kind/kind.h"
#include "core/lab/state.h"
#include "tests/test_util.h"

namespace bgpdemo {
namespace {

using nlohmann::json;
using test::Bgpdemo;

using test::TempDir;

// PATH set to one folder for the life of the object; `programs` are put there as scripts
// that fail at once (so that they are found, and answer nothing useful).
class ScopedPath {
 public:
  explicit ScopedPath(const std::vector<std::string>& programs) {
    const char* old = std::getenv("PATH");
    old_ = old != nullptr ? old : "";
    for (const auto& p : programs) {
      const auto file = dir_.path + "/" + p;
      std::ofstream(file) << "#!/bin/sh\necho \"fake $0\" >&2\nexit 1\n";
      ::chmod(file.c_str(), 0755);
    }
    ::setenv("PATH", dir_.path.c_str(), 1);
  }
  ~ScopedPath() { ::setenv("PATH", old_.c_str(), 1); }

 private:
  TempDir dir_;
  std::string old_;
};

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(json::parse(text.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

// A kind demo's state, as `up --provider kind` leaves it, for the built-in two-cluster.
void WriteKindDemo(const std::string& dir) {
  core::kind::KindState st;
  auto text = core::LoadScenarioText("two-cluster");
  REQUIRE(text);
  st.scenario = *text;
  st.started_at = 1795000000;
  st.router_image = "bgpdemo-router:test";
  st.networks = {"kind"};
  st.clusters = {"cilium", "cilium2"};
  st.router_container = true;
  st.router_addresses = {{"kind", "172.22.255.254"}, {"kind2", "172.25.255.254"}};
  REQUIRE(core::kind::WriteKindState(dir, st));
}

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

TEST_CASE("exit codes: one per error kind, whatever the message says") {
  using cli::ExitCodeFor;
  CHECK(ExitCodeFor(Error::Failed("missing or unusable tools")) == 1);
  CHECK(ExitCodeFor(Error::Usage("x.yaml: bad")) == 2);
  CHECK(ExitCodeFor(Error::Input("no such file")) == 3);
  CHECK(ExitCodeFor(Error::Environment("x")) == 4);
  CHECK(ExitCodeFor(Error::Command({{"kind", "create", "cluster"}, 1, false, "boom"}, "x")) == 1);
  CHECK(ExitCodeFor(Error::Internal("x")) == 70);
  CHECK(ExitCodeFor(Error("a message alone")) == cli::kExitFailed);
}

TEST_CASE("demo registry: auto on a machine where no provider can run says what each lacks") {
  TempDir dir;
  const ScopedPath path({});  // no docker, no kind, no ip
  const auto r = Bgpdemo({"up", "--state-dir", dir.path + "/s"});
  CHECK(r.code == 4);
  CHECK(
      r.err.starts_with("bgpdemo up: no provider can run here: the kind provider needs docker "
                        "and kind, and the lab provider needs "));
  CHECK(r.err.find("ip (iproute2): apt-get install iproute2") != std::string::npos);
  const auto lab = Bgpdemo({"up", "--provider", "lab", "--state-dir", dir.path + "/s"});
  CHECK(lab.code == 4);
  CHECK(lab.err.starts_with("bgpdemo up: the lab provider needs: "));
  CHECK(r.out.empty());
  CHECK_FALSE(std::filesystem::exists(dir.path + "/s"));
}

TEST_CASE(
    "demo registry: auto takes kind where docker and kind are, and missing tools are exit 4") {
  TempDir dir;
  const ScopedPath path({"docker", "kind"});  // found, but neither answers
  const auto state = dir.path + "/s";
  const auto r = Bgpdemo({"up", "-o", "json", "--state-dir", state});
  CHECK(r.code == 4);  // the preflight step failed: an environment error, not a failed step
  const auto events = JsonLines(r.out);
  REQUIRE(events.size() == 2);
  CHECK(events[0]["event"] == "step");
  CHECK(events[0]["step"] == "preflight");
  CHECK(events[0]["ok"] == false);
  CHECK(events[1]["event"] == "up");
  CHECK(events[1]["ok"] == false);
  CHECK(events[1]["error"].get<std::string>().starts_with("missing or unusable tools"));
  CHECK(r.err.find("`bgpdemo up` again resumes from here") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(state));

  const auto text = Bgpdemo({"up", "--state-dir", state});
  CHECK(text.code == 4);
  CHECK(text.out.starts_with(fmt::format(
      "bgpdemo up: scenario two-cluster, provider kind, state in {}\n  preflight ", state)));
}

TEST_CASE("demo registry: a scenario file that is not there is an input error (exit 3)") {
  TempDir dir;
  const auto r = Bgpdemo({"up", "--provider", "kind", "--state-dir", dir.path + "/s", "--scenario",
                          dir.path + "/none.yaml"});
  CHECK(r.code == 3);
  CHECK(r.err == fmt::format("bgpdemo up: {}/none.yaml: cannot open: No such file or directory\n",
                             dir.path));
}

TEST_CASE("demo registry: a state of a provider this bgpdemo does not have is an input error") {
  TempDir dir;
  std::ofstream(dir.path + "/state.json") << R"({"provider": "cloud"})";
  const auto message = fmt::format(
      "{}/state.json: provider \"cloud\" is not one this bgpdemo has (kind, lab, kube); was the "
      "demo made by another version of bgpdemo?\n",
      dir.path);
  for (const char* verb : {"status", "peers", "routes", "verify", "down"}) {
    CAPTURE(verb);
    const auto r = Bgpdemo({verb, "--state-dir", dir.path});
    CHECK(r.code == 3);
    CHECK(r.err == fmt::format("bgpdemo {}: {}", verb, message));
  }
  const auto s = Bgpdemo({"status", "--state-dir", dir.path, "-o", "json"});
  CHECK(s.out == "{\"up\":false}\n");
  CHECK(std::filesystem::exists(dir.path + "/state.json"));  // down removed nothing
}

TEST_CASE("demo registry: kind's demo has no speaker verb, and its status asks Docker") {
  TempDir dir;
  WriteKindDemo(dir.path);
  const ScopedPath path({});  // no docker: the router cannot be running
  const auto sp = Bgpdemo({"speaker", "stop", "cilium-worker", "--state-dir", dir.path});
  CHECK(sp.code == 2);
  CHECK(sp.err ==
        "bgpdemo speaker stop cilium-worker: only the lab runs the node speakers itself; on "
        "kind, restart a node's Cilium agent with kubectl\n");
  const auto st = Bgpdemo({"status", "--state-dir", dir.path, "-o", "json"});
  CHECK(st.code == 1);
  const auto j = json::parse(st.out);
  CHECK(j["up"] == false);
  CHECK(j["provider"] == "kind");
  CHECK(j["clusters"] == json::array({"cilium", "cilium2"}));
  CHECK(j["networks_created"] == json::array({"kind"}));
  const auto text = Bgpdemo({"status", "--state-dir", dir.path});
  CHECK(text.out.find("Router:    container bgpdemo-router NOT running (bgpdemo-router:test)") !=
        std::string::npos);
}

TEST_CASE("demo registry: up with one provider refuses to start over another's demo") {
  TempDir dir;
  core::lab::LabState lab;
  lab.prefix = "nosuchlab0";
  lab.scenario = {"description: x\n", "scenarios/x.yaml", "x"};
  REQUIRE(core::lab::WriteLabState(dir.path, lab));
  const ScopedPath path({});  // kind checks its tools only once it starts: it never does here
  const auto r = Bgpdemo({"up", "--provider", "kind", "--state-dir", dir.path});
  CHECK(r.code == 1);
  CHECK(r.err == fmt::format("bgpdemo up: a lab demo is up (state in {}); `bgpdemo down` first\n",
                             dir.path));
}

}  // namespace
}  // namespace bgpdemo
