// The provider registry with fake providers: which one `up --provider auto` picks, what it
// says when none can run, the provider of a state (known, unknown, unreadable, none), who
// removes a demo without a state, and the refusal to start over another provider's demo.
// The real providers' pure parts (Plan) are checked at the end.
#include "core/providers.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/files.h"

namespace bgpdemo::core {
namespace {

// A provider that can or cannot run here, and does nothing else.
class FakeProvider : public Provider {
 public:
  FakeProvider(std::string name, bool available, std::string needs = "",
               bool down_without_state = false)
      : name_(std::move(name)),
        available_(available),
        needs_(std::move(needs)),
        down_without_state_(down_without_state) {}

  std::string name() const override { return name_; }
  Availability Available(const UpOptions&) const override { return {available_, needs_}; }
  Result<void, Error> Preflight(const UpOptions&) const override { return {}; }
  DoctorReport Doctor(const ScenarioText&) const override { return {available_, {}, "", ""}; }
  Result<std::string, Error> Plan(const ScenarioText&, const UpOptions&) const override {
    return std::string("plan");
  }
  std::string Describe(const UpOptions&) const override { return "provider " + name_; }
  Result<Report, Error> Up(const ScenarioText&, const UpOptions&) override { return Report{}; }
  std::string AfterFailedUp() const override { return ""; }
  Result<Report, Error> Down(const DownOptions&) override { return Report{}; }
  bool DownWithoutState() const override { return down_without_state_; }
  Result<std::unique_ptr<Demo>, Error> Open() const override {
    return Fail(Error::Failed("fake: " + name_));
  }

 private:
  std::string name_;
  bool available_;
  std::string needs_;
  bool down_without_state_;
};

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/bgpdemo-providers-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void State(const std::string& text) const {
    REQUIRE(WriteFileAtomic(path + "/state.json", text));
  }
};

Providers Registry(const std::string& state_dir, bool kind_available, bool lab_available) {
  std::vector<std::unique_ptr<Provider>> list;
  list.push_back(std::make_unique<FakeProvider>("kind", kind_available, "docker and kind"));
  list.push_back(std::make_unique<FakeProvider>("lab", lab_available, "root: run with sudo",
                                                /*down_without_state=*/true));
  return Providers(std::move(list), state_dir);
}

TEST_CASE("providers: auto prefers kind, takes the lab where kind cannot run, else says why") {
  TempDir dir;
  CHECK((*Registry(dir.path, true, true).Choose("auto", {}))->name() == "kind");
  CHECK((*Registry(dir.path, false, true).Choose("auto", {}))->name() == "lab");
  CHECK((*Registry(dir.path, true, false).Choose("auto", {}))->name() == "kind");
  auto none = Registry(dir.path, false, false).Choose("auto", {});
  REQUIRE_FALSE(none);
  CHECK(none.error() == Error::Environment("no provider can run here: the kind provider needs "
                                           "docker and kind, and the lab provider needs root: "
                                           "run with sudo"));
}

TEST_CASE("providers: a provider named is taken even when it cannot run, an unknown name is not") {
  TempDir dir;
  const auto registry = Registry(dir.path, false, false);
  CHECK((*registry.Choose("lab", {}))->name() == "lab");  // its Preflight says what it lacks
  CHECK(registry.Find("kind") != nullptr);
  CHECK(registry.Find("cloud") == nullptr);
  auto unknown = registry.Choose("cloud", {});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == Error::Usage("--provider cloud: use one of auto, kind, lab"));
  CHECK(ProviderNames() == std::vector<std::string>{"kind", "lab", "kube"});
}

TEST_CASE("providers: the state names its provider, and none, unknown or unreadable is an error") {
  TempDir dir;
  const auto registry = Registry(dir.path, true, true);
  auto none = registry.OfState();
  REQUIRE_FALSE(none);
  CHECK(none.error().kind() == ErrorKind::kFailed);
  CHECK(none.error().message() ==
        fmt::format("no demo is up (no state in {}); start one with `bgpdemo up`", dir.path));
  CHECK(registry.OpenDemo().error() == none.error());

  dir.State(R"({"provider": "kind", "scenario": {}})");
  CHECK((*registry.OfState())->name() == "kind");
  CHECK(registry.OpenDemo().error() == Error::Failed("fake: kind"));  // opened by kind

  dir.State(R"({"prefix": "bgpdemo"})");  // written before states named their provider
  CHECK((*registry.OfState())->name() == "lab");

  dir.State(R"({"provider": "cloud"})");
  auto unknown = registry.OfState();
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind() == ErrorKind::kInput);
  CHECK(unknown.error().message() ==
        fmt::format("{}/state.json: provider \"cloud\" is not one this bgpdemo has (kind, lab); "
                    "was the demo made by another version of bgpdemo?",
                    dir.path));
  CHECK(registry.ForDown().error() == unknown.error());

  dir.State("{not json");
  auto garbled = registry.OfState();
  REQUIRE_FALSE(garbled);
  CHECK(garbled.error() == Error::Input(dir.path + "/state.json: not a JSON object"));
}

TEST_CASE("providers: down without a readable state goes to the provider that finds its own") {
  TempDir dir;
  CHECK((*Registry(dir.path, true, true).ForDown())->name() == "lab");
  dir.State("{not json");
  CHECK((*Registry(dir.path, true, true).ForDown())->name() == "lab");
  dir.State(R"({"provider": "kind"})");
  CHECK((*Registry(dir.path, true, true).ForDown())->name() == "kind");

  // No provider finds its own: the missing state is the answer.
  TempDir empty;
  std::vector<std::unique_ptr<Provider>> list;
  list.push_back(std::make_unique<FakeProvider>("kind", true));
  auto down = Providers(std::move(list), empty.path).ForDown();
  REQUIRE_FALSE(down);
  CHECK(down.error().message().starts_with("no demo is up"));
}

TEST_CASE("providers: up refuses to start over another provider's demo, not over its own") {
  TempDir dir;
  const auto registry = Registry(dir.path, true, true);
  CHECK(registry.CheckNoOtherDemo(*registry.Find("lab")));
  dir.State(R"({"provider": "kind"})");
  CHECK(registry.CheckNoOtherDemo(*registry.Find("kind")));  // kind's up resumes it
  auto other = registry.CheckNoOtherDemo(*registry.Find("lab"));
  REQUIRE_FALSE(other);
  CHECK(other.error() == Error::Failed(fmt::format(
                             "a kind demo is up (state in {}); `bgpdemo down` first", dir.path)));
}

TEST_CASE("providers: the real ones plan a built-in scenario without acting, in their words") {
  TempDir dir;
  ProviderContext context;
  context.state_dir = dir.path + "/state";
  const Providers registry(context);
  REQUIRE(registry.all().size() == 3);
  auto text = LoadScenarioText("two-cluster");
  REQUIRE(text);
  UpOptions options;
  options.lab_prefix = "t";
  auto lab = registry.Find("lab")->Plan(*text, options);
  REQUIRE_MESSAGE(lab, (lab ? "" : lab.error().message()));
  CHECK(*lab ==
        "scenario two-cluster: 13 namespaces (t-*) for 2 networks, 6 nodes and 4 pods; 6 node "
        "speakers (engine)");
  auto kind = registry.Find("kind")->Plan(*text, options);
  REQUIRE_MESSAGE(kind, (kind ? "" : kind.error().message()));
  CHECK(*kind ==
        "scenario two-cluster: 2 kind clusters (cilium, cilium2) with 6 nodes on Docker "
        "networks kind, kind2, the route server bgpdemo-router (AS 65000), Cilium 1.14.0 with "
        "the BGP v1 API; 15 files rendered");
  CHECK(registry.Find("lab")->Describe(options) == "provider lab, node speakers engine");
  CHECK(registry.Find("kind")->Describe(options) == "provider kind");
  CHECK_FALSE(std::filesystem::exists(context.state_dir));  // nothing was made

  options.lab_prefix = "Bad_Prefix";
  CHECK(registry.Find("lab")->Plan(*text, options).error().kind() == ErrorKind::kUsage);
  const ScenarioText broken{"networks: [\n", "broken.yaml", "broken"};
  CHECK(registry.Find("lab")->Plan(broken, options).error().kind() == ErrorKind::kInput);
  CHECK(registry.Find("kind")->Plan(broken, options).error().kind() == ErrorKind::kInput);
}

}  // namespace
}  // namespace bgpdemo::core
