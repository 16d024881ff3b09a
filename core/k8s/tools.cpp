#include "core/k8s/tools.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace bgpdemo::core::k8s {

namespace {

struct Spec {
  const char* name;
  std::vector<std::string> version_argv;
  const char* minimum;
  const char* install;
  std::map<std::string, std::string> env = {};  // added for the probe only
};

// cilium-cli has no flag or variable that skips its call for the latest stable version
// (cli/version.go: http.Get with Go's default client, no timeout, in every release from
// v0.15 to v0.19). That client honours HTTPS_PROXY, so a proxy on a closed local port
// (discard, 9) makes the call fail at once and cilium-cli prints "cilium image (stable):
// unknown" instead of waiting on a network that drops packets; the probe's timeout still
// bounds it should something listen there.
const std::map<std::string, std::string> kNoStableVersionCall = {
    {"HTTPS_PROXY", "http://127.0.0.1:9"}};

// The oldest versions the demo is known to work with: kind with
// KIND_EXPERIMENTAL_DOCKER_NETWORK and v1alpha4 kubeProxyMode none, Helm 3, a kubectl of
// the clusters' Kubernetes, cilium-cli with `bgp peers`.
const std::vector<Spec>& Specs() {
  static const std::vector<Spec> specs = {
      {"docker",
       {"docker", "version", "--format", "{{.Server.Version}}"},
       "20.10.0",
       "apt-get install docker.io (Debian), or Docker Engine: "
       "https://docs.docker.com/engine/install/"},
      {"kind",
       {"kind", "version"},
       "0.20.0",
       "go install sigs.k8s.io/kind@v0.20.0, or a release binary: "
       "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"},
      {"helm", {"helm", "version", "--short"}, "3.8.0", "https://helm.sh/docs/intro/install/"},
      {"kubectl",
       {"kubectl", "version", "--client", "-o", "json"},
       "1.25.0",
       "https://kubernetes.io/docs/tasks/tools/#kubectl"},
      {"cilium",
       {"cilium", "version", "--client"},
       "0.15.0",
       "https://docs.cilium.io/en/stable/gettingstarted/k8s-install-default/"
       "#install-the-cilium-cli",
       kNoStableVersionCall},
  };
  return specs;
}

// The first "v?MAJOR.MINOR.PATCH" in the text.
std::string FirstVersion(const std::string& text) {
  static const std::regex re(R"(v?(\d+)\.(\d+)\.(\d+))");
  std::smatch m;
  if (!std::regex_search(text, m, re)) return "";
  return fmt::format("{}.{}.{}", m[1].str(), m[2].str(), m[3].str());
}

std::string VersionOf(const std::string& tool, const std::string& out) {
  if (tool == "kubectl") {
    auto j = nlohmann::json::parse(out, nullptr, false);
    if (!j.is_discarded()) {
      return FirstVersion(
          j.value("clientVersion", nlohmann::json::object()).value("gitVersion", ""));
    }
  }
  return FirstVersion(out);
}

}  // namespace

bool VersionAtLeast(const std::string& version, const std::string& minimum) {
  auto parts = [](const std::string& v) {
    std::array<int, 3> p{0, 0, 0};
    const auto text = FirstVersion(v);
    if (text.empty()) return p;
    std::sscanf(text.c_str(), "%d.%d.%d", &p[0], &p[1], &p[2]);
    return p;
  };
  return parts(version) >= parts(minimum);
}

std::vector<ToolStatus> CheckTools(const std::map<std::string, std::string>& env,
                                   CommandRunner& runner) {
  return CheckTools(env, runner, {});
}

std::vector<ToolStatus> CheckTools(const std::map<std::string, std::string>& env,
                                   CommandRunner& runner, const std::vector<std::string>& only) {
  std::vector<ToolStatus> out;
  for (const auto& s : Specs()) {
    if (!only.empty() && std::find(only.begin(), only.end(), s.name) == only.end()) continue;
    ToolStatus t{s.name, runner.Find(s.name), "", s.minimum, false, "", s.install};
    if (t.path.empty()) {
      t.problem = "not found in PATH";
      out.push_back(std::move(t));
      continue;
    }
    auto probe_env = env;
    for (const auto& [k, v] : s.env) probe_env[k] = v;
    auto r = runner.Run(s.version_argv, {.timeout = kVersionProbeTimeout, .env_add = probe_env});
    if (!r) {
      t.problem = r.error().message();
    } else if (r->timed_out) {
      // What it printed before it was killed may hold the version (cilium-cli prints its
      // own version before asking the network).
      t.version = VersionOf(t.name, r->out);
      if (t.version.empty()) {
        t.problem = fmt::format("`{}` did not answer within {} s", ShellQuote(s.version_argv),
                                kVersionProbeTimeout.count());
      } else {
        t.note = fmt::format(
            "`{}` did not finish within {} s (cilium-cli asks GitHub for the latest stable "
            "Cilium); version {} read from its first line",
            ShellQuote(s.version_argv), kVersionProbeTimeout.count(), t.version);
        t.ok = VersionAtLeast(t.version, s.minimum);
        if (!t.ok) t.problem = fmt::format("version {} is older than {}", t.version, s.minimum);
      }
    } else if (r->exit_code != 0) {
      t.problem = t.name == "docker"
                      ? "the Docker daemon does not answer (is it running, and may you use it?)"
                      : fmt::format("`{}` failed", ShellQuote(s.version_argv));
      const auto tail = r->err.empty() ? r->out : r->err;
      if (!tail.empty()) t.problem += ": " + tail.substr(0, tail.find('\n'));
    } else {
      t.version = VersionOf(t.name, r->out);
      if (t.version.empty()) {
        t.problem = fmt::format("cannot read a version from {:?}", r->out.substr(0, 60));
      } else if (!VersionAtLeast(t.version, s.minimum)) {
        t.problem = fmt::format("version {} is older than {}", t.version, s.minimum);
      } else {
        t.ok = true;
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string ToolFailure(const std::vector<std::string>& argv, const ProcessResult& r,
                        const std::string& hint) {
  std::string s = FormatFailure(argv, r, 8);
  if (!hint.empty()) s += (s.ends_with('\n') ? "" : "\n") + std::string("  hint: ") + hint;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

Error ToolError(const std::vector<std::string>& argv, const ProcessResult& r,
                const std::string& hint) {
  return CommandError(argv, r, ToolFailure(argv, r, hint), 8);
}

Result<std::string, Error> RunTool(const std::vector<std::string>& argv, const ToolRun& run,
                                   const std::string& hint) {
  auto r = run.runner->Run(argv, {.timeout = run.timeout, .env_add = run.env});
  if (!r) return Fail(std::move(r).error().Append(hint.empty() ? "" : "\n  hint: " + hint));
  if (r->exit_code != 0 || r->timed_out) return Fail(ToolError(argv, *r, hint));
  return std::move(r->out);
}

Result<std::string, Error> PreflightVerdict(const std::vector<ToolStatus>& tools) {
  std::vector<std::string> problems;
  std::vector<std::string> found;
  for (const auto& t : tools) {
    if (t.ok) {
      found.push_back(fmt::format("{} {}", t.name, t.version));
    } else {
      problems.push_back(
          fmt::format("{}: {} (needs {} or later; {})", t.name, t.problem, t.minimum, t.install));
    }
  }
  if (!problems.empty()) {
    return Fail(Error::Environment(fmt::format(
        "missing or unusable tools, nothing was created:\n  {}", fmt::join(problems, "\n  "))));
  }
  return fmt::format("{}", fmt::join(found, ", "));
}

}  // namespace bgpdemo::core::k8s
