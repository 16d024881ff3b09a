#include "core/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace bgpdemo::core {

Result<void, Error> WriteFileAtomic(const std::string& path, const std::string& text,
                                    unsigned mode) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return Fail(
        Error::Environment(fmt::format("{}: cannot create: {}", tmp, std::strerror(errno))));
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Fail(Error::Environment(fmt::format("{}: cannot write: {}", tmp, std::strerror(e))));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return Fail(Error::Environment(
        fmt::format("{}: cannot rename into place: {}", path, std::strerror(e))));
  }
  return {};
}

std::vector<std::string> RemoveWritten(const std::string& path) {
  std::vector<std::string> removed;
  std::error_code ec;
  if (std::filesystem::remove(path, ec)) removed.push_back(path);
  const std::filesystem::path p(path);
  const std::string leftover = p.filename().string() + ".tmp.";
  for (const auto& e : std::filesystem::directory_iterator(p.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(leftover, 0) == 0 && std::filesystem::remove(e.path(), ec)) {
      removed.push_back(e.path().string());
    }
  }
  return removed;
}

}  // namespace bgpdemo::core
