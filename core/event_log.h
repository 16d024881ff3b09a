// The demo's event log: what bgpdemo itself did to a running demo (a verify that passed or
// failed, a fault started and ended, a speaker stopped from the page), one JSON object a
// line in <state folder>/events.jsonl, so that `bgpdemo events` shows what another bgpdemo
// did, as it happens and with --since (core/events.h). Appends are single write(2)s of a
// whole line with O_APPEND, so writers in several processes never interleave; past 1 MiB
// the file moves to events.jsonl.1 (one older file kept).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/events.h"

namespace bgpdemo::core {

// Appends e; a log that cannot be written is no reason to fail what was logged (false).
bool AppendEventLog(const std::string& state_dir, const TimedEvent& e);

// The log and its older file gone: `down` calls it with the rest of the state folder.
void RemoveEventLog(const std::string& state_dir);

// The events of the log (and of its older file) at or after `since`, in time order.
std::vector<TimedEvent> ReadEventLog(const std::string& state_dir,
                                     std::chrono::system_clock::time_point since);

// Follows the log: each Read returns the lines appended since the one before (the first:
// since the follower was made). A log moved to .1 meanwhile is read from its start.
class EventLogFollower {
 public:
  explicit EventLogFollower(std::string state_dir);
  std::vector<TimedEvent> Read();

 private:
  std::string path_;
  std::uintmax_t offset_ = 0;
  std::uintmax_t inode_ = 0;
};

}  // namespace bgpdemo::core
