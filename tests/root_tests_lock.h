// RootTestsLock: flock(2) of /tmp/bgpdemo-root-tests.lock for its lifetime, so that the
// tests that change the machine as root (network namespaces, port 179, kernel routes) of
// every worktree and build take turns.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace bgpdemo::test {

class RootTestsLock {
 public:
  RootTestsLock()
      : fd_(::open("/tmp/bgpdemo-root-tests.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666)) {
    REQUIRE_MESSAGE(fd_ >= 0, "cannot open /tmp/bgpdemo-root-tests.lock");
    REQUIRE(::flock(fd_, LOCK_EX) == 0);
  }
  ~RootTestsLock() { ::close(fd_); }
  RootTestsLock(const RootTestsLock&) = delete;
  RootTestsLock& operator=(const RootTestsLock&) = delete;

 private:
  int fd_;
};

}  // namespace bgpdemo::test
