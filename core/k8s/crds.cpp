// Applying custom resources once their CRDs are Established (core/k8s/crds.h).
#include "core/k8s/crds.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/k8s/tools.h"

namespace bgpdemo::core::k8s {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Kubernetes' default plural (k8s.io/apimachinery meta.UnsafeGuessKindToResource), which
// the Cilium CRDs follow: policy -> policies, pool -> pools, config -> configs.
std::string Plural(const std::string& lower) {
  if (lower.empty()) return lower;
  if (lower.ends_with("s") || lower.ends_with("x") || lower.ends_with("z") ||
      lower.ends_with("ch") || lower.ends_with("sh")) {
    return lower + "es";
  }
  if (lower.ends_with("y") && lower.size() > 1 &&
      std::string_view("aeiou").find(lower[lower.size() - 2]) == std::string_view::npos) {
    return lower.substr(0, lower.size() - 1) + "ies";
  }
  return lower + "s";
}

bool BuiltIn(const std::string& group) {
  return group.empty() || group.find('.') == std::string::npos || group.ends_with(".k8s.io");
}

std::string Both(const ProcessResult& r) {
  return r.err + "\n" + r.out;
}

}  // namespace

std::string CrdName(const std::string& kind, const std::string& group) {
  return Plural(Lower(kind)) + "." + group;
}

Result<std::vector<std::string>, Error> CrdsOf(const std::string& manifest) {
  std::vector<std::string> out;
  try {
    for (const auto& doc : YAML::LoadAll(manifest)) {
      if (!doc.IsMap() || !doc["kind"] || !doc["apiVersion"]) continue;
      const auto api = doc["apiVersion"].as<std::string>();
      const auto slash = api.find('/');
      const auto group = slash == std::string::npos ? std::string() : api.substr(0, slash);
      if (BuiltIn(group)) continue;
      const auto name = CrdName(doc["kind"].as<std::string>(), group);
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
  } catch (const YAML::Exception& e) {
    return Fail(Error::Input(fmt::format("not a Kubernetes manifest: {}", e.what())));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool KubectlSaysNoKind(const ProcessResult& r) {
  const auto text = Both(r);
  return text.find("no matches for kind") != std::string::npos ||
         text.find("resource mapping not found") != std::string::npos;
}

bool KubectlSaysNotFound(const ProcessResult& r) {
  const auto text = Both(r);
  return text.find("(NotFound)") != std::string::npos ||
         text.find("\" not found") != std::string::npos;
}

Result<CrdApplied, Error> ApplyWhenEstablished(const Clusters& up, CommandRunner& clock,
                                               const std::string& context, const std::string& path,
                                               std::chrono::seconds timeout) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto crds = CrdsOf(text.str());
  if (!crds) return Fail(Error::Input(fmt::format("{}: {}", path, crds.error().message())));
  const auto t0 = clock.Now();
  const auto until = t0 + timeout;
  auto left = [&] {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(until - clock.Now());
    return std::max<std::int64_t>(1, s.count());
  };
  const auto pause = std::chrono::seconds(2);
  CrdApplied done;
  done.crds = *crds;
  const auto hint = fmt::format(
      "Cilium's operator registers its CRDs when it starts: kubectl --context {} get crd; "
      "kubectl --context {} -n kube-system get pods -l name=cilium-operator",
      context, context);
  for (const auto& crd : *crds) {
    while (true) {
      const std::vector<std::string> argv{"kubectl",
                                          "--context",
                                          context,
                                          "wait",
                                          "--for",
                                          "condition=established",
                                          fmt::format("--timeout={}s", left()),
                                          "crd/" + crd};
      auto r = up.Ask(argv);
      if (!r) return Fail(r.error());
      if (r->exit_code == 0 && !r->timed_out) break;
      if (KubectlSaysNotFound(*r) && clock.Now() < until) {
        clock.Sleep(pause);
        continue;
      }
      if (KubectlSaysNotFound(*r)) {
        return Fail(Error::Failed(fmt::format(
            "the CRD {} is not registered in {} after {} s, so {} cannot be applied\n  hint: {}",
            crd, context, timeout.count(), path, hint)));
      }
      return Fail(ToolError(argv, *r, hint));
    }
  }
  const std::vector<std::string> apply{"kubectl", "--context", context, "apply", "-f", path};
  while (true) {
    auto r = up.Ask(apply);
    if (!r) return Fail(r.error());
    if (r->exit_code == 0 && !r->timed_out) break;
    if (!KubectlSaysNoKind(*r) || clock.Now() >= until) return Fail(ToolError(apply, *r, hint));
    ++done.retries;
    clock.Sleep(pause);
  }
  done.seconds = std::chrono::duration<double>(clock.Now() - t0).count();
  return done;
}

}  // namespace bgpdemo::core::k8s
