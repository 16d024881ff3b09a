// The steps of `kind up` on the Docker side (core/kind/up_steps.h). Each asks what exists
// before it acts and records what it creates in the state before creating it, so that a
// failure leaves nothing that `up` again cannot resume from or `down` cannot remove.
#include "core/kind/up_steps.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <utility>

#include "core/kind/decisions.h"
#include "core/kind/internal.h"
#include "core/kind/preflight.h"
#include "core/kind/tool_output.h"
#include "core/router_image.h"

namespace bgpdemo::core::kind::detail {

Result<void, Error> UpSteps::Save() {
  return WriteKindState(o_.state_dir, st_);
}

Result<std::string, Error> UpSteps::Preflight() {
  const auto report = CollectPreflight(s_, o_.node_image, o_.env, *o_.runner, *o_.host);
  node_image_ = report.node_image.image;
  return PreflightStep(report);
}

Result<std::string, Error> UpSteps::Networks() {
  // Everything is checked before anything is made (core/kind/networks.h).
  auto facts = ReadNetworkFacts();
  if (!facts) return Fail(facts.error());
  auto plan = PlanNetworks(s_.networks, *facts, s_.HasIpv6());
  if (!plan) return Fail(plan.error());
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < plan->size(); ++i) {
    auto& a = (*plan)[i];
    if (a.create) {
      // Recorded before it exists: a create that fails half-way is still removed by down.
      const bool recorded = RecordCreated(st_.networks, a.name);
      if (auto s = Save(); !s) return Fail(s.error());
      auto r = Tool(a.argv,
                    "another Docker network may use the subnet: docker network ls; change the "
                    "scenario's subnet or remove that network");
      if (!r) {
        if (recorded) st_.networks.pop_back();
        (void)Save();
        return Fail(r.error());
      }
      // The subnet Docker chose, when the scenario left it open.
      const std::vector<std::string> inspect_argv{"docker", "network", "inspect", a.name};
      auto inspect = Tool(inspect_argv, "");
      if (!inspect) return Fail(inspect.error());
      auto made = ParseNetworkInspect(*inspect);
      if (!made) return Fail(made.error());
      if (made->empty() || made->front().subnet.empty()) {
        return Fail(fmt::format("Docker network {} was made without an IPv4 subnet", a.name));
      }
      a.subnet = made->front().subnet;
      a.gateway = made->front().gateway;
      if (s_.HasIpv6() && made->front().ipv6_subnets.empty()) {
        return Fail(fmt::format(
            "Docker network {} was made without its IPv6 subnet {}: is IPv6 on on this machine "
            "(sysctl net.ipv6.conf.all.disable_ipv6)?",
            a.name, a.subnet_v6));
      }
      if (s_.HasIpv6()) a.subnet_v6 = made->front().ipv6_subnets.front();
    }
    s_.networks[i].subnet = a.subnet;
    if (!a.subnet_v6.empty()) s_.networks[i].subnet_v6 = a.subnet_v6;
    st_.subnets[a.name] = a.subnet;
    if (!a.subnet_v6.empty()) st_.subnets_v6[a.name] = a.subnet_v6;
    shown.push_back(fmt::format(
        "{} {}{}{} ({})", a.name, a.subnet, a.subnet_v6.empty() ? "" : " " + a.subnet_v6,
        a.gateway.empty() ? "" : " gateway " + a.gateway, a.create ? "created" : "existing"));
  }
  if (auto s = Save(); !s) return Fail(s.error());
  // Every address of the plan derives from these subnets.
  if (auto ok = CheckAdoptedSubnets(s_); !ok) return Fail(ok.error());
  return fmt::format("{}", fmt::join(shown, ", "));
}

Result<std::string, Error> UpSteps::Clusters(const RenderResult& files) {
  auto listed = Tool({"kind", "get", "clusters"}, "");
  if (!listed) return Fail(listed.error());
  const auto plan = PlanClusters(s_.clusters, Lines(*listed));
  // A cluster up did not make (the original demo's, say) is reused only as the scenario says,
  // and checked before any is created.
  for (const auto& c : s_.clusters) {
    const bool there = std::count(plan.existing.begin(), plan.existing.end(), c.name) != 0;
    if (there && std::count(st_.clusters.begin(), st_.clusters.end(), c.name) == 0) {
      if (auto ok = CheckExistingCluster(c); !ok) return Fail(ok.error());
    }
  }
  std::vector<std::future<Result<std::string, Error>>> jobs;
  for (const auto& c : s_.clusters) {
    if (std::find(plan.create.begin(), plan.create.end(), c.name) == plan.create.end()) continue;
    RecordCreated(st_.clusters, c.name);  // kind removes a cluster it failed to create
    const auto config = WrittenPath(files, c.name, FileKind::kKindConfig);
    jobs.push_back(std::async(std::launch::async, [this, c, config] {
      return Tool({"kind", "create", "cluster", "--name", c.name, "--config", config, "--image",
                   node_image_},
                  fmt::format("kind needs its node image ({}) and a working Docker; `kind create "
                              "cluster --image {}` alone shows the same error (--node-image picks "
                              "another image)",
                              node_image_, node_image_),
                  {{"KIND_EXPERIMENTAL_DOCKER_NETWORK", c.network}});
    }));
  }
  // Saved while the clusters are being made: an interrupted up still knows them.
  auto saved = Save();
  std::vector<Error> errors;
  for (auto& j : jobs) {
    if (auto r = j.get(); !r) errors.push_back(std::move(r).error());
  }
  if (!saved) return Fail(saved.error());
  if (!errors.empty()) return Fail(JoinErrors(std::move(errors)));
  return fmt::format("created [{}], existing [{}]", fmt::join(plan.create, ", "),
                     fmt::join(plan.existing, ", "));
}

Result<std::string, Error> UpSteps::Image() {
  st_.router_image = RouterImage(o_.router_image, o_.version);
  const std::vector<std::string> inspect_argv{"docker", "image", "inspect", st_.router_image};
  auto inspect = Ask(inspect_argv);
  if (!inspect) return Fail(inspect.error());
  if (inspect->exit_code == 0) return fmt::format("{} is there", st_.router_image);
  if (!o_.router_image.empty()) {
    return Fail(CommandError(
        inspect_argv, *inspect,
        fmt::format("--router-image {}: no such image here; build or load it first (docker "
                    "images), or leave the flag out to build it",
                    o_.router_image)));
  }
  // Made from this executable (core/router_image.h): no source tree, nothing to compile.
  const auto context = std::filesystem::absolute(FilesDir(o_.state_dir) + "/router-image").string();
  auto built = BuildRouterImage({.tag = st_.router_image,
                                 .executable = o_.executable,
                                 .base_image = o_.base_image,
                                 .version = o_.version,
                                 .context_dir = context,
                                 .env = o_.env,
                                 .runner = o_.runner});
  if (!built) return Fail(built.error());
  st_.image_built = true;
  if (auto s = Save(); !s) return Fail(s.error());
  return fmt::format("{} built from {} ({})", st_.router_image, o_.executable,
                     o_.base_image.empty() ? "FROM scratch" : "FROM " + o_.base_image);
}

Result<std::string, Error> UpSteps::Router(const RenderResult& files) {
  (void)files;
  const auto& name = s_.router.name;
  auto inspect = Ask({"docker", "container", "inspect", name});
  if (!inspect) return Fail(inspect.error());
  if (inspect->exit_code == 0) {
    auto c = ParseContainerInspect(inspect->out);
    if (!c) return Fail(c.error());
    if (!c->owned) {
      return Fail(Error::Environment(fmt::format(
          "a container named {} exists that bgpdemo did not create; remove or rename it", name)));
    }
    if (!c->running) {
      if (auto r = Tool({"docker", "start", name}, ""); !r) return Fail(r.error());
    }
  } else {
    const auto config_dir = std::filesystem::absolute(FilesDir(o_.state_dir) + "/router").string();
    st_.router_container = true;
    if (auto s = Save(); !s) return Fail(s.error());
    auto r = Tool(
        RouterRunArgv(name, s_.networks.front().name, st_.router_image, config_dir, s_.HasIpv6()),
        "");
    if (!r) return Fail(r.error());
  }
  auto read = [&]() -> Result<ContainerInfo, Error> {
    auto out = Tool({"docker", "container", "inspect", name}, "");
    if (!out) return Fail(out.error());
    return ParseContainerInspect(*out);
  };
  auto container = read();
  if (!container) return Fail(container.error());
  for (const auto& network : NetworksToConnect(s_.networks, *container)) {
    if (auto r = Tool({"docker", "network", "connect", network, name}, ""); !r) {
      return Fail(r.error());
    }
  }
  container = read();
  if (!container) return Fail(container.error());
  auto addresses = RouterAddresses(name, s_.networks, *container);
  if (!addresses) return Fail(addresses.error());
  std::vector<std::string> shown;
  for (const auto& n : s_.networks) {
    st_.router_addresses[n.name] = addresses->at(n.name);
    shown.push_back(fmt::format("{}={}", n.name, addresses->at(n.name)));
  }
  if (s_.HasIpv6()) {
    auto v6 = RouterAddressesV6(name, s_.networks, *container);
    if (!v6) return Fail(v6.error());
    for (const auto& n : s_.networks) {
      st_.router_addresses_v6[n.name] = v6->at(n.name);
      shown.push_back(fmt::format("{}={}", n.name, v6->at(n.name)));
    }
  }
  if (auto s = Save(); !s) return Fail(s.error());
  return fmt::format("{} ({}) on {}", name, st_.router_image, fmt::join(shown, ", "));
}

std::string UpSteps::WrittenPath(const RenderResult& files, const std::string& cluster,
                                 FileKind kind) {
  for (const auto& f : files.files) {
    if (f.cluster == cluster && f.kind == kind) {
      return std::filesystem::absolute(std::filesystem::path(FilesDir(o_.state_dir)) / f.path)
          .string();
    }
  }
  return "";
}

std::string UpSteps::WrittenPathByName(const RenderResult& files, const std::string& cluster,
                                       const std::string& name) {
  for (const auto& f : files.files) {
    if (f.cluster == cluster && std::filesystem::path(f.path).filename() == name) {
      return std::filesystem::absolute(std::filesystem::path(FilesDir(o_.state_dir)) / f.path)
          .string();
    }
  }
  return "";
}

}  // namespace bgpdemo::core::kind::detail
