// The kind provider behind the provider interface (core/provider.h): a thin wrapper of
// KindUp, KindDown, KindDemo and CheckTools (core/kind/kind.h, tools.h), with what they
// report in JSON and for people. The kind provider's own functions are called as they
// are; their errors become Error here (a failed preflight step: kEnvironment).
#pragma once

#include <memory>
#include <string>

#include "core/provider.h"

namespace bgpdemo::core::kind {

// Made by the registry with the command's context; one thread.
class KindProvider : public Provider {
 public:
  explicit KindProvider(ProviderContext context) : context_(std::move(context)) {}

  std::string name() const override { return "kind"; }
  // docker and kind on PATH (their versions and the other tools: Doctor, and up's
  // preflight step).
  Availability Available(const UpOptions& options) const override;
  // Nothing: up checks its tools as its first step (preflight), where the user sees it.
  Result<void, Error> Preflight(const UpOptions& options) const override;
  DoctorReport Doctor(const ScenarioText& scenario) const override;
  Result<std::string, Error> Plan(const ScenarioText& scenario,
                                  const UpOptions& options) const override;
  std::string Describe(const UpOptions& options) const override;
  Result<Report, Error> Up(const ScenarioText& scenario, const UpOptions& options) override;
  std::string AfterFailedUp() const override;
  Result<Report, Error> Down(const DownOptions& options) override;
  Result<std::unique_ptr<Demo>, Error> Open() const override;

 private:
  ProviderContext context_;
};

}  // namespace bgpdemo::core::kind
