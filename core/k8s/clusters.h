// How the Kubernetes-side steps reach the clusters (core/k8s/, shared by the kind and kube
// providers): the provider's tools run with the demo's environment, and for each of the
// scenario's clusters its kubectl context and its nodes. kind names its contexts
// kind-<cluster> and lists nodes with `kind get nodes`; kube takes the contexts the user
// gives and asks the API server. Everything else on that side is the same on both.
//
// Thread-safety: Tool and Ask may be called from the parallel jobs of a step (they read the
// run's settings only); Context and Nodes likewise.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/k8s/tools.h"
#include "core/process.h"

namespace bgpdemo::core::k8s {

class Clusters {
 public:
  explicit Clusters(ToolRun run) : run_(std::move(run)) {}
  virtual ~Clusters() = default;
  Clusters(const Clusters&) = delete;
  Clusters& operator=(const Clusters&) = delete;

  // The kubectl context of one of the scenario's clusters.
  virtual std::string Context(const std::string& cluster) const = 0;
  // Its nodes' names. By default `kubectl --context C get nodes -o name`.
  virtual Result<std::vector<std::string>, Error> Nodes(const std::string& cluster) const;

  // Runs a tool with the run's environment plus `extra`: its stdout, or the Error users
  // see (ToolError: the command, its exit code, its last lines and the hint).
  Result<std::string, Error> Tool(
      const std::vector<std::string>& argv, const std::string& hint,
      const std::map<std::string, std::string>& extra = {},
      std::chrono::milliseconds timeout = std::chrono::minutes(15)) const;
  // Runs a command whose exit code is the answer; an error only when it could not start.
  Result<ProcessResult, Error> Ask(const std::vector<std::string>& argv) const;

  // The runner (and so the clock) every tool runs on.
  CommandRunner& Runner() const { return *run_.runner; }
  const ToolRun& Run() const { return run_; }

 private:
  ToolRun run_;
};

// kubectl's `-o name` lines ("node/cilium-worker") -> the names.
std::vector<std::string> NamesOf(const std::string& kubectl_o_name);

}  // namespace bgpdemo::core::k8s
