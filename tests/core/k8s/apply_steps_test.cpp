// The lb step's wait for the nginx Service's external IPs (core/k8s/apply_steps.h), on a
// FakeRunner: an IPv4 scenario takes the first address, a dual-stack one waits for an
// address of each family, and the timeout names what is missing.
#include "core/k8s/apply_steps.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/fake_runner.h"
#include "core/scenario.h"

namespace bgpdemo::core::k8s {
namespace {

using Strings = std::vector<std::string>;

class FakeClusters final : public Clusters {
 public:
  explicit FakeClusters(FakeRunner& runner)
      : Clusters(ToolRun{{}, std::chrono::minutes(1), &runner}) {}
  std::string Context(const std::string& cluster) const override { return "kind-" + cluster; }
};

// `kubectl get service nginx -o json` answering with `ingress` ips, the n-th call with
// replies[min(n, last)].
void ScriptService(FakeRunner& runner, std::vector<Strings> replies) {
  auto calls = std::make_shared<std::size_t>(0);
  runner.Expect({"kubectl", "--context", "kind-cilium", "get", "service", "nginx", "-o", "json"})
      .Always()
      .Does([replies = std::move(replies), calls](const FakeCall&, FakeFacts&) {
        const auto& ips = replies[std::min(*calls, replies.size() - 1)];
        ++*calls;
        nlohmann::json svc = {{"kind", "Service"},
                              {"status", {{"loadBalancer", nlohmann::json::object()}}}};
        for (const auto& ip : ips) svc["status"]["loadBalancer"]["ingress"].push_back({{"ip", ip}});
        return FakeReply::Ok(svc.dump());
      });
}

Scenario Builtin(const char* name) {
  auto s = LoadScenario(name);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  return *s;
}

TEST_CASE("k8s lb step: an IPv4 scenario takes the Service's address as soon as it has one") {
  FakeRunner runner;
  ScriptService(runner, {{}, {}, {"10.21.0.1"}});
  FakeClusters up(runner);
  auto got = AwaitLoadBalancerIps(up, "cilium", Builtin("two-cluster"), std::chrono::seconds(10));
  REQUIRE_MESSAGE(got, (got ? "" : got.error().message()));
  CHECK(*got == Strings{"10.21.0.1"});
  CHECK(runner.Calls().size() == 3);
}

TEST_CASE("k8s lb step, dual stack: waits until the Service has an address of each family") {
  FakeRunner runner;
  // LB IPAM gave the IPv4 address first, the IPv6 one two polls later.
  ScriptService(runner, {{}, {"10.21.0.1"}, {"10.21.0.1"}, {"10.21.0.1", "fd00:10:21::1"}});
  FakeClusters up(runner);
  auto got =
      AwaitLoadBalancerIps(up, "cilium", Builtin("two-cluster-dual"), std::chrono::seconds(10));
  REQUIRE_MESSAGE(got, (got ? "" : got.error().message()));
  CHECK(*got == Strings{"10.21.0.1", "fd00:10:21::1"});
  CHECK(runner.Calls().size() == 4);
}

TEST_CASE("k8s lb step, dual stack: a Service of one family times out naming the other") {
  FakeRunner runner;
  ScriptService(runner, {{"10.21.0.1"}});
  FakeClusters up(runner);
  auto got =
      AwaitLoadBalancerIps(up, "cilium", Builtin("two-cluster-dual"), std::chrono::seconds(5));
  REQUIRE_FALSE(got);
  CHECK(got.error().message() ==
        "the LoadBalancer IP of service nginx in cluster cilium never came (5 s) (it has "
        "10.21.0.1 only: no IPv6 address)\n  hint: kubectl --context kind-cilium get "
        "ciliumloadbalancerippools, and check Cilium runs");
  // Polled at 0, 0.5, ... 5.5 s of fake time: the last one is past the deadline.
  CHECK(runner.Calls().size() == 12);

  FakeRunner none;
  ScriptService(none, {{}});
  FakeClusters up2(none);
  got = AwaitLoadBalancerIps(up2, "cilium", Builtin("two-cluster-dual"), std::chrono::seconds(1));
  REQUIRE_FALSE(got);
  CHECK(got.error().message().starts_with(
      "the LoadBalancer IP of service nginx in cluster cilium never came (1 s)\n"));
}

}  // namespace
}  // namespace bgpdemo::core::k8s
