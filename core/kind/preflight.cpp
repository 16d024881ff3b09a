// The kind provider's preflight and doctor report (core/kind/preflight.h).
#include "core/kind/preflight.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/kind/decisions.h"
#include "core/table.h"

namespace bgpdemo::core::kind {

namespace {

using nlohmann::json;

int Minor(const std::string& version) {
  int major = 0;
  int minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2) return 0;
  return minor;
}

std::string ImageLine(const PreflightReport& r) {
  const auto& c = r.node_image;
  if (!c.pinned) {
    return fmt::format("node image {} (--node-image; the pin for Cilium 1.{} is Kubernetes {})",
                       c.image, c.pin.cilium_minor, c.pin.kubernetes);
  }
  return fmt::format(
      "node image kindest/node:v{} (pinned for Cilium 1.{}, tested on Kubernetes {})",
      c.pin.kubernetes, c.pin.cilium_minor, c.pin.tested_kubernetes);
}

bool HasErrors(const PreflightReport& r) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [](const HostFinding& f) { return f.severity == Severity::kError; });
}

}  // namespace

PreflightReport CollectPreflight(const Scenario& s, const std::string& node_image_flag,
                                 const std::map<std::string, std::string>& env,
                                 CommandRunner& runner, HostFacts& facts) {
  PreflightReport r;
  r.cilium_version = s.cilium_version;
  r.tools = k8s::CheckTools(env, runner);
  r.node_image = ChooseNodeImage(s.cilium_version, node_image_flag);
  bool docker_ok = false;
  for (const auto& t : r.tools) {
    if (t.name == "kind" && t.ok) r.kind_version = t.version;
    if (t.name == "docker") docker_ok = t.ok;
  }
  if (!r.kind_version.empty()) r.kind_default = KindDefaultFor(r.kind_version);
  if (docker_ok) {
    HostNeeds needs;
    needs.control_planes = s.clusters.size();
    for (const auto& c : s.clusters) needs.workers += c.workers;
    needs.kubernetes_minor = r.node_image.pinned ? Minor(r.node_image.pin.kubernetes) : 0;
    r.findings = CheckHostLimits(needs, facts, runner, env);
    r.host_checked = true;
  }
  for (const auto& t : r.tools) {
    if (!t.note.empty())
      r.findings.push_back({Severity::kWarning, t.note,
                            "nothing for the demo; if cilium-cli should reach "
                            "raw.githubusercontent.com, check the proxy or firewall"});
  }
  if (auto skew = NodeImageSkewWarning(r.node_image, r.kind_version); !skew.empty()) {
    const auto colon = skew.find(": install");
    r.findings.push_back({Severity::kWarning, skew.substr(0, colon), skew.substr(colon + 2)});
  }
  return r;
}

Result<std::string, Error> PreflightStep(const PreflightReport& r) {
  auto tools = k8s::PreflightVerdict(r.tools);
  if (!tools) return Fail(tools.error());
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  for (const auto& f : r.findings) {
    (f.severity == Severity::kError ? errors : warnings).push_back(FormatFinding(f));
  }
  if (!errors.empty()) {
    return Fail(Error::Environment(
        fmt::format("this machine cannot hold the scenario's kind nodes, nothing was created:\n  "
                    "{}{}",
                    fmt::join(errors, "\n  "),
                    warnings.empty() ? "" : fmt::format("\n  {}", fmt::join(warnings, "\n  ")))));
  }
  auto line = fmt::format("{}; {}", *tools, ImageLine(r));
  if (!warnings.empty()) {
    line += fmt::format("; {} warning{}\n    {}", warnings.size(), warnings.size() == 1 ? "" : "s",
                        fmt::join(warnings, "\n    "));
  }
  return line;
}

DoctorReport DoctorOf(const PreflightReport& r) {
  DoctorReport d;
  const bool tools_ok =
      std::all_of(r.tools.begin(), r.tools.end(), [](const k8s::ToolStatus& t) { return t.ok; });
  d.ready = tools_ok && !HasErrors(r);
  json list = json::array();
  Table table({"Tool", "Version", "Needs", "Status"});
  for (const auto& t : r.tools) {
    list.push_back({{"name", t.name},
                    {"path", t.path},
                    {"version", t.version},
                    {"minimum", t.minimum},
                    {"ok", t.ok},
                    {"problem", t.problem},
                    {"note", t.note},
                    {"install", t.install}});
    table.Add({t.name, t.version.empty() ? "-" : t.version, ">= " + t.minimum,
               t.ok ? (t.note.empty() ? "ok" : "ok (see below)") : t.problem});
  }
  json findings = json::array();
  for (const auto& f : r.findings) {
    findings.push_back({{"severity", f.severity == Severity::kError ? "error" : "warning"},
                        {"what", f.what},
                        {"fix", f.fix}});
  }
  const auto& pin = r.node_image.pin;
  json images = {{"cilium_version", r.cilium_version},
                 {"pinned",
                  {{"image", pin.image},
                   {"kubernetes", pin.kubernetes},
                   {"tested_kubernetes", pin.tested_kubernetes},
                   {"kind_release", pin.kind_release}}},
                 {"kind_version", r.kind_version},
                 {"kind_default", nullptr}};
  if (r.kind_default) {
    images["kind_default"] = {{"image", r.kind_default->image},
                              {"kubernetes", r.kind_default->kubernetes},
                              {"kind_release", r.kind_default->kind_release}};
  }
  d.json = {{"ok", d.ready},
            {"tools", list},
            {"node_image", images},
            {"host", findings},
            {"host_checked", r.host_checked}};
  d.details = table.Render();
  for (const auto& t : r.tools) {
    if (!t.ok) d.details += fmt::format("  {}: {}\n", t.name, t.install);
  }
  d.details += fmt::format(
      "  node image: kind {} defaults to {}; bgpdemo pins {} for Cilium {} (tested on "
      "Kubernetes {}; built for kind v{})\n",
      r.kind_version.empty() ? "(not usable)" : "v" + r.kind_version,
      r.kind_default           ? r.kind_default->image
      : r.kind_version.empty() ? std::string("a release-dependent image")
                               : std::string("an image older than any bgpdemo knows (< v0.20.0)"),
      pin.image, r.cilium_version, pin.tested_kubernetes, pin.kind_release);
  if (!r.host_checked) {
    d.details += "  host: not checked (Docker does not answer)\n";
  } else if (r.findings.empty()) {
    d.details += "  host: inotify limits, disk, memory and cgroup v2 are fine\n";
  }
  for (const auto& f : r.findings) d.details += "  " + FormatFinding(f) + "\n";
  d.summary = d.ready ? (r.findings.empty() ? "ready" : "ready, with warnings (see above)")
                      : "not ready (see above)";
  return d;
}

}  // namespace bgpdemo::core::kind
