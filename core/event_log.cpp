#include "core/event_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bgpdemo::core {

namespace {

constexpr std::uintmax_t kRotateAt = 1 << 20;

std::string LogPath(const std::string& dir) {
  return dir + "/events.jsonl";
}

// One line of the log -> the event; nullopt for a line that is not one (a torn write of a
// killed writer, a newer bgpdemo's kind is still shown).
std::optional<TimedEvent> ParseLine(const std::string& line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto at = ParseTimestamp(j.value("time", ""));
  if (!at) return std::nullopt;
  return TimedEvent{*at,
                    {j.value("kind", ""), j.value("subject", ""), j.value("from", ""),
                     j.value("to", ""), j.value("detail", "")}};
}

void ReadLines(std::istream& in, std::chrono::system_clock::time_point since,
               std::vector<TimedEvent>& out) {
  for (std::string line; std::getline(in, line);) {
    if (auto e = ParseLine(line); e && e->time >= since) out.push_back(std::move(*e));
  }
}

}  // namespace

bool AppendEventLog(const std::string& state_dir, const TimedEvent& e) {
  const auto path = LogPath(state_dir);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && static_cast<std::uintmax_t>(st.st_size) > kRotateAt) {
    (void)::rename(path.c_str(), (path + ".1").c_str());
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const std::string line = e.ToJson().dump() + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  return ok;
}

void RemoveEventLog(const std::string& state_dir) {
  std::error_code ec;
  std::filesystem::remove(LogPath(state_dir), ec);
  std::filesystem::remove(LogPath(state_dir) + ".1", ec);
}

std::vector<TimedEvent> ReadEventLog(const std::string& state_dir,
                                     std::chrono::system_clock::time_point since) {
  std::vector<TimedEvent> out;
  for (const auto& path : {LogPath(state_dir) + ".1", LogPath(state_dir)}) {
    std::ifstream in(path);
    ReadLines(in, since, out);
  }
  SortByTime(out);
  return out;
}

EventLogFollower::EventLogFollower(std::string state_dir) : path_(LogPath(state_dir)) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    offset_ = static_cast<std::uintmax_t>(st.st_size);
    inode_ = st.st_ino;
  }
}

std::vector<TimedEvent> EventLogFollower::Read() {
  std::vector<TimedEvent> out;
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return out;
  if (st.st_ino != inode_ || static_cast<std::uintmax_t>(st.st_size) < offset_) {
    inode_ = st.st_ino;  // a new file: the old one moved to .1
    offset_ = 0;
  }
  std::ifstream in(path_);
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Only whole lines: a writer's line is one write, but we may read before it is done.
  const auto end = rest.rfind('\n');
  if (end == std::string::npos) return out;
  offset_ += end + 1;
  std::istringstream lines(rest.substr(0, end + 1));
  ReadLines(lines, {}, out);
  return out;
}

}  // namespace bgpdemo::core
