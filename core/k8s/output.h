// What kubectl, helm and cilium-cli print, read into values where it enters (docs/style.md
// "Parse once, at the edge"), for both Kubernetes providers. Pure functions;
// tests/core/kind/tool_output_test.cpp and tests/core/k8s/output_test.cpp feed them the
// tools' real output.
#pragma once

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/demo.h"

namespace bgpdemo::core::k8s {

// The non-empty lines of a tool's output.
std::vector<std::string> Lines(const std::string& text);

// A tool's stdout as JSON; an error (kFailed) quoting its start when it is not JSON.
Result<nlohmann::json, Error> ParseJson(const std::string& text, const std::string& what);

// The addresses of a dual-stack object, which Kubernetes lists with the primary family
// first: every status.loadBalancer.ingress[].ip of a Service; a node's InternalIP
// addresses (status.addresses) and spec.podCIDRs (spec.podCIDR where there is no list); a
// pod's status.podIPs[].ip (status.podIP where there is no list). Empty when it has none.
std::vector<std::string> ServiceLoadBalancerIps(const nlohmann::json& service);
std::vector<std::string> NodeInternalIps(const nlohmann::json& node);
std::vector<std::string> NodePodCidrs(const nlohmann::json& node);
std::vector<std::string> PodIps(const nlohmann::json& pod);

// The first IPv4 and the first IPv6 value of such a list (an IPv6 one has a ':').
struct ByFamily {
  std::string v4;
  std::string v6;
};
ByFamily SplitFamilies(const std::vector<std::string>& values);

// `cilium bgp peers -o json` (node -> [peer]) -> node -> peers in the engine's peer JSON
// shape (address, local_asn, peer_asn, state, uptime_seconds, families, last_error).
std::map<std::string, nlohmann::json> PeersFromCilium(const nlohmann::json& cilium);

// `curl -s -m S -w '\n%{http_code}' URL` output -> the reply.
Result<HttpResult, Error> ParseCurl(const std::string& out, double seconds);

// The errors of jobs run in parallel as one: the first one's kind and command, and every
// message, one after the other on its own lines. REQUIRES: errors is not empty.
Error JoinErrors(std::vector<Error> errors);

}  // namespace bgpdemo::core::k8s
