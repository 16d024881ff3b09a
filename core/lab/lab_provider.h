// The lab provider behind the provider interface (core/provider.h): LabUp, LabDown and
// LabDemo (core/lab/lab.h), what they report in JSON and for people, and the daemon.
#pragma once

#include <memory>
#include <string>

#include "core/provider.h"

namespace bgpdemo::core::lab {

// Made by the registry with the command's context; one thread.
class LabProvider : public Provider {
 public:
  explicit LabProvider(ProviderContext context) : context_(std::move(context)) {}

  std::string name() const override { return "lab"; }
  // Root, Linux network namespaces and iproute2 (and gobgpd for --node-speaker gobgpd).
  Availability Available(const UpOptions& options) const override;
  Result<void, Error> Preflight(const UpOptions& options) const override;
  DoctorReport Doctor(const ScenarioText& scenario) const override;
  Result<std::string, Error> Plan(const ScenarioText& scenario,
                                  const UpOptions& options) const override;
  std::string Describe(const UpOptions& options) const override;
  Result<Report, Error> Up(const ScenarioText& scenario, const UpOptions& options) override;
  std::string AfterFailedUp() const override;
  Result<Report, Error> Down(const DownOptions& options) override;
  // It finds its namespaces by their prefix.
  bool DownWithoutState() const override { return true; }
  Result<std::unique_ptr<Demo>, Error> Open() const override;
  Result<int, Error> RunDaemon() const override;

 private:
  ProviderContext context_;
};

}  // namespace bgpdemo::core::lab
