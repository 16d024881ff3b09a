// What the steps of `kind up` share (the options, the state, the scenario, running a tool),
// and the steps on the Docker side: preflight, networks, clusters, image, router
// (core/kind/kind.h lists them all). For core/kind only: kind_up.cpp adds the Kubernetes
// steps and runs them in order.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/kind/kind.h"
#include "core/kind/networks.h"
#include "core/process.h"
#include "core/render.h"
#include "core/scenario.h"

namespace bgpdemo::core::kind::detail {

// One `kind up` run: the options, the state (saved after every change: what exists is on
// disk before the next command runs) and the scenario, all owned by KindUp. The steps run
// one after the other on KindUp's thread; the jobs some of them run in parallel only call
// Tool(), which reads the options and nothing else.
class UpSteps : public KindClusters {
 public:
  UpSteps(const KindUpOptions& o, KindState& st, Scenario& s)
      : KindClusters(k8s::ToolRun{o.env, std::chrono::minutes(15), o.runner}),
        o_(o),
        st_(st),
        s_(s) {}

  Result<void, Error> Save();

  // The steps; each returns what it did, for the step's line.
  Result<std::string, Error> Preflight();
  Result<std::string, Error> Networks();
  Result<std::string, Error> Clusters(const RenderResult& files);
  Result<std::string, Error> Image();
  Result<std::string, Error> Router(const RenderResult& files);

  // What exists already (up_existing.cpp): the machine's Docker networks and routes, and a
  // kind cluster of the scenario's that up did not make, checked against the scenario
  // (an Error of kind kEnvironment naming each difference when it is not the same).
  Result<NetworkFacts, Error> ReadNetworkFacts();
  Result<void, Error> CheckExistingCluster(const ClusterSpec& cluster);

  // The absolute path of a rendered file under the state folder; empty when none was
  // rendered.
  std::string WrittenPath(const RenderResult& files, const std::string& cluster, FileKind kind);
  std::string WrittenPathByName(const RenderResult& files, const std::string& cluster,
                                const std::string& name);

 protected:
  const KindUpOptions& o_;
  KindState& st_;
  Scenario& s_;
  std::string node_image_;  // chosen by Preflight: --node-image or the pin
};

}  // namespace bgpdemo::core::kind::detail
