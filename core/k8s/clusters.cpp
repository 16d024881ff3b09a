#include "core/k8s/clusters.h"

#include <sstream>

namespace bgpdemo::core::k8s {

Result<std::vector<std::string>, Error> Clusters::Nodes(const std::string& cluster) const {
  auto out = Tool({"kubectl", "--context", Context(cluster), "get", "nodes", "-o", "name"},
                  "the cluster's API server must answer");
  if (!out) return Fail(out.error());
  return NamesOf(*out);
}

Result<std::string, Error> Clusters::Tool(const std::vector<std::string>& argv,
                                          const std::string& hint,
                                          const std::map<std::string, std::string>& extra,
                                          std::chrono::milliseconds timeout) const {
  ToolRun run{run_.env, timeout, run_.runner};
  for (const auto& [k, v] : extra) run.env[k] = v;
  return RunTool(argv, run, hint);
}

Result<ProcessResult, Error> Clusters::Ask(const std::vector<std::string>& argv) const {
  return run_.runner->Run(argv, {.env_add = run_.env});
}

std::vector<std::string> NamesOf(const std::string& kubectl_o_name) {
  std::vector<std::string> names;
  std::istringstream lines(kubectl_o_name);
  for (std::string l; std::getline(lines, l);) {
    if (l.empty()) continue;
    const auto slash = l.find('/');
    names.push_back(slash == std::string::npos ? l : l.substr(slash + 1));
  }
  return names;
}

}  // namespace bgpdemo::core::k8s
