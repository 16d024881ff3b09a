// The kube provider behind the provider interface (core/provider.h): a thin wrapper of
// KubeUp, KubeDown and the kube demo (core/kube/kube.h, kube_demo.h), with what they report
// in JSON and for people. Never chosen by `--provider auto`: it acts on clusters the user
// names.
#pragma once

#include <memory>
#include <string>

#include "core/provider.h"

namespace bgpdemo::core::kube {

class KubeProvider : public Provider {
 public:
  explicit KubeProvider(ProviderContext context) : context_(std::move(context)) {}
  std::string name() const override { return "kube"; }
  Availability Available(const UpOptions& options) const override;
  // The contexts and --router, before anything runs (kUsage).
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

}  // namespace bgpdemo::core::kube
