// An interrupted Helm release, recovered on the next `up` (issue #11, behaviour 7). Helm
// records a release as pending-install, pending-upgrade or pending-rollback before it acts
// and as deployed or failed after; a Helm killed in between (Ctrl-C, our own timeout, a
// reboot) leaves it pending, and every later `helm upgrade --install` refuses with
//
//   Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress
//
// (Helm 3.12: pkg/action/upgrade.go, errPending, returned when the last release
// IsPending(), pkg/release/status.go). `helm list -a` shows such a release (without -a,
// Helm lists only deployed and failed ones: pkg/action/list.go). Before installing Cilium,
// the cilium step reads `helm list -n kube-system -a -o json` and, for a pending release:
//
//   pending-install                    helm uninstall, then the install runs again
//   pending-upgrade, pending-rollback  helm rollback to the revision before, then the upgrade
//
// and says which in the step's line.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/k8s/clusters.h"

namespace bgpdemo::core::k8s {

// One row of `helm list -o json`.
struct HelmRelease {
  std::string name;
  std::string ns;
  int revision = 0;
  std::string status;  // deployed, failed, pending-install, pending-upgrade, ...
  std::string chart;   // cilium-1.14.0
};

// `helm list -o json` output (an array; Helm prints the revision as a string).
Result<std::vector<HelmRelease>, Error> ParseHelmList(const std::string& out);

enum class ReleaseRecovery { kNone, kRollback, kReinstall };
// What a release in `status` needs before `helm upgrade --install` can run.
ReleaseRecovery RecoveryFor(const std::string& status);

// Checks release `release` in `ns` of kube context `context` and recovers it when Helm was
// interrupted: what it did, for the step's line ("release cilium was pending-install (an
// interrupted helm): uninstalled, installing again"), empty when nothing was needed.
Result<std::string, Error> RecoverRelease(const Clusters& up, const std::string& context,
                                          const std::string& release = "cilium",
                                          const std::string& ns = "kube-system");

}  // namespace bgpdemo::core::k8s
