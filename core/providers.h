// The registry of providers: which ones this bgpdemo has, and which one a command uses:
// the one `up --provider NAME` names, the one `auto` picks, or the one whose demo is up
// (every provider's state.json in the state folder says who wrote it).
//
//   auto: the first provider, in the order of ProviderNames(), that is Available here
//   (kind where Docker and kind are installed, else the lab where it can run; kube only when
//   named, as it acts on clusters the user names); none: an
//   Environment error saying what each one lacks.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/provider.h"

namespace bgpdemo::core {

// The names `up --provider` takes besides "auto", in the order auto prefers them.
std::vector<std::string> ProviderNames();

// The name of the provider whose state is in `state_dir` ("lab" for a state that names none).
// Errors: no state (kFailed: "no demo is up ..."), a state.json that is not JSON (kInput).
Result<std::string, Error> StateProvider(const std::string& state_dir);

// Owns the providers for one command; used from one thread.
class Providers {
 public:
  // The real providers, each made with `context`.
  explicit Providers(const ProviderContext& context);
  // These providers, in the order auto prefers them, for the state in `state_dir` (tests).
  Providers(std::vector<std::unique_ptr<Provider>> providers, std::string state_dir);

  const std::vector<std::unique_ptr<Provider>>& all() const { return providers_; }
  // nullptr when there is none of that name.
  Provider* Find(std::string_view name) const;

  // `up --provider NAME`: that provider, or for "auto" the first available one. Errors: an
  // unknown name (kUsage), no provider can run here (kEnvironment).
  Result<Provider*, Error> Choose(std::string_view name, const UpOptions& options) const;
  // Before `up` with `p`: an error (kFailed) when a demo of another provider is up.
  Result<void, Error> CheckNoOtherDemo(const Provider& p) const;

  // The provider of the demo that is up. Errors: StateProvider's, and a state naming a
  // provider this bgpdemo does not have (kInput).
  Result<Provider*, Error> OfState() const;
  // The demo that is up, opened by its provider.
  Result<std::unique_ptr<Demo>, Error> OpenDemo() const;
  // Who removes the demo: the state's provider; without a readable state, the provider
  // that finds what it left by itself (DownWithoutState), if any.
  Result<Provider*, Error> ForDown() const;

 private:
  std::vector<std::unique_ptr<Provider>> providers_;
  std::string state_dir_;
};

}  // namespace bgpdemo::core
