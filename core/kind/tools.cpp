#include "core/kind/tools.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>

namespace bgpdemo::core::kind {

namespace {

struct Spec {
  const char* name;
  std::vector<std::string> version_argv;
  const char* minimum;
  const char* install;
};

// The oldest versions the demo is known to work with: kind with
// KIND_EXPERIMENTAL_DOCKER_NETWORK and v1alpha4 kubeProxyMode none, Helm 3, a kubectl of
// the clusters' Kubernetes, cilium-cli with `bgp peers`.
const std::vector<Spec>& Specs() {
  static const std::vector<Spec> specs = {
      {"docker", {"docker", "version", "--format", "{{.Server.Version}}"}, "20.10.0",
       "apt-get install docker.io (Debian), or Docker Engine: https://docs.docker.com/engine/install/"},
      {"kind", {"kind", "version"}, "0.20.0",
       "go install sigs.k8s.io/kind@v0.20.0, or a release binary: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"},
      {"helm", {"helm", "version", "--short"}, "3.8.0", "https://helm.sh/docs/intro/install/"},
      {"kubectl", {"kubectl", "version", "--client", "-o", "json"}, "1.25.0",
       "https://kubernetes.io/docs/tasks/tools/#kubectl"},
      {"cilium", {"cilium", "version", "--client"}, "0.15.0",
       "https://docs.cilium.io/en/stable/gettingstarted/k8s-install-default/#install-the-cilium-cli"},
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
      return FirstVersion(j.value("clientVersion", nlohmann::json::object()).value("gitVersion", ""));
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
  std::vector<ToolStatus> out;
  for (const auto& s : Specs()) {
    ToolStatus t{s.name, runner.Find(s.name), "", s.minimum, false, "", s.install};
    if (t.path.empty()) {
      t.problem = "not found in PATH";
      out.push_back(std::move(t));
      continue;
    }
    auto r = runner.Run(s.version_argv, {.timeout = std::chrono::seconds(15), .env_add = env});
    if (!r) {
      t.problem = r.error().message();
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

}  // namespace bgpdemo::core::kind
