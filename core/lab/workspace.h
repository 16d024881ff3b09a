// The files of a lab demo in its state folder (core/lab/state.h), named in one place.
#pragma once

#include <string>

namespace bgpdemo::core::lab {

class Workspace {
 public:
  explicit Workspace(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  std::string DaemonSocket() const { return dir_ + "/daemon.sock"; }
  std::string DaemonLog() const { return dir_ + "/daemon.log"; }
  std::string RouterConfig() const { return dir_ + "/router.yaml"; }
  std::string RouterSocket() const { return dir_ + "/router.sock"; }
  std::string RouterLog() const { return dir_ + "/router.log"; }
  std::string SpeakersDir() const { return dir_ + "/speakers"; }
  // gobgpd's own folder (its config and log); the engine's files sit beside it.
  std::string SpeakerDir(const std::string& node) const { return SpeakersDir() + "/" + node; }
  std::string SpeakerConfig(const std::string& node) const { return SpeakerDir(node) + ".yaml"; }
  std::string SpeakerSocket(const std::string& node) const { return SpeakerDir(node) + ".sock"; }
  std::string SpeakerLog(const std::string& node) const { return SpeakerDir(node) + ".log"; }

 private:
  std::string dir_;
};

}  // namespace bgpdemo::core::lab
