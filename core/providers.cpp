#include "core/providers.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/kind/kind_provider.h"
#include "core/kube/kube_provider.h"
#include "core/lab/lab_provider.h"

namespace bgpdemo::core {

std::vector<std::string> ProviderNames() {
  return {"kind", "lab", "kube"};
}

Result<std::string, Error> StateProvider(const std::string& state_dir) {
  const auto path = state_dir + "/state.json";
  std::ifstream f(path);
  if (!f) {
    return Fail(
        fmt::format("no demo is up (no state in {}); start one with `bgpdemo up`", state_dir));
  }
  const auto j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(Error::Input(fmt::format("{}: not a JSON object", path)));
  }
  const auto it = j.find("provider");
  if (it == j.end()) return std::string("lab");  // written before states named their provider
  if (!it->is_string()) {
    return Fail(Error::Input(fmt::format("{}: \"provider\" is not a name", path)));
  }
  return it->get<std::string>();
}

Providers::Providers(const ProviderContext& context) : state_dir_(context.state_dir) {
  // In the order of ProviderNames().
  providers_.push_back(std::make_unique<kind::KindProvider>(context));
  providers_.push_back(std::make_unique<lab::LabProvider>(context));
  providers_.push_back(std::make_unique<kube::KubeProvider>(context));
}

Providers::Providers(std::vector<std::unique_ptr<Provider>> providers, std::string state_dir)
    : providers_(std::move(providers)), state_dir_(std::move(state_dir)) {}

Provider* Providers::Find(std::string_view name) const {
  for (const auto& p : providers_) {
    if (p->name() == name) return p.get();
  }
  return nullptr;
}

Result<Provider*, Error> Providers::Choose(std::string_view name, const UpOptions& options) const {
  if (name != "auto") {
    if (auto* p = Find(name)) return p;
    std::vector<std::string> names{"auto"};
    for (const auto& p : providers_) names.push_back(p->name());
    return Fail(
        Error::Usage(fmt::format("--provider {}: use one of {}", name, fmt::join(names, ", "))));
  }
  std::vector<std::string> lacks;
  for (const auto& p : providers_) {
    const auto a = p->Available(options);
    if (a.ok) return p.get();
    lacks.push_back(fmt::format("the {} provider needs {}", p->name(), a.needs));
  }
  return Fail(
      Error::Environment(fmt::format("no provider can run here: {}", fmt::join(lacks, ", and "))));
}

Result<void, Error> Providers::CheckNoOtherDemo(const Provider& p) const {
  auto name = StateProvider(state_dir_);
  if (name && *name != p.name()) {
    return Fail(
        fmt::format("a {} demo is up (state in {}); `bgpdemo down` first", *name, state_dir_));
  }
  return {};
}

Result<Provider*, Error> Providers::OfState() const {
  auto name = StateProvider(state_dir_);
  if (!name) return Fail(name.error());
  if (auto* p = Find(*name)) return p;
  std::vector<std::string> names;
  for (const auto& p : providers_) names.push_back(p->name());
  return Fail(Error::Input(
      fmt::format("{}/state.json: provider {:?} is not one this bgpdemo has ({}); was the demo "
                  "made by another version of bgpdemo?",
                  state_dir_, *name, fmt::join(names, ", "))));
}

Result<std::unique_ptr<Demo>, Error> Providers::OpenDemo() const {
  auto p = OfState();
  if (!p) return Fail(p.error());
  return (*p)->Open();
}

Result<Provider*, Error> Providers::ForDown() const {
  auto name = StateProvider(state_dir_);
  if (name) return OfState();
  for (const auto& p : providers_) {
    if (p->DownWithoutState()) return p.get();
  }
  return Fail(name.error());
}

}  // namespace bgpdemo::core
