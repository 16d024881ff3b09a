// `bgpdemo verify`: every check of the demo, each with its result and, on failure, why.
//
//   sessions   each node's session with the router, from the router's side and the node's
//   rib        each pod CIDR and LB IP in the router's RIB, from the nodes that own it
//   kernel     the same prefixes in the router's kernel table, with those nodes as next
//              hops (several: ECMP)
//   http       HTTP 200 from the router to each LB IP; from a pod of each cluster to every
//              other cluster's LB IP; between two pods inside each cluster
//
// Pure apart from the prober, which it calls concurrently (the probes are independent and
// a failing one waits for its timeout).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/demo.h"

namespace bgpdemo::core {

struct Check {
  std::string group;  // sessions | rib | kernel | http
  std::string name;   // "cilium-worker: router -> node", "10.241.1.0/24", ...
  bool ok = false;
  std::string detail;  // what was seen; on failure, why
};

std::vector<Check> Verify(const Topology& t, const Observed& o, const Prober& probe);

// The sessions of `o` that are not Established yet, as "node: router sees S, node sees S";
// empty when all are, on both sides. What `up` waits for, with every provider.
std::vector<std::string> SessionsNotEstablished(const Topology& t, const Observed& o);

// Output: a table (CHECK, RESULT, DETAIL, then "N passed, M failed"), a JSON object
// {"passed": N, "failed": M, "checks": [...]}, or JUnit XML (one testcase per check, the
// group as its classname) for CI systems.
void PrintChecksTable(const std::vector<Check>& checks, std::ostream& out);
nlohmann::json ChecksJson(const std::vector<Check>& checks);
std::string ChecksJunit(const std::vector<Check>& checks, double seconds);

}  // namespace bgpdemo::core
