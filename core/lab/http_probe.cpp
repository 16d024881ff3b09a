#include "core/lab/http_probe.h"

#include <fmt/format.h>

#include <optional>
#include <thread>

#include "core/lab/netns.h"

namespace bgpdemo::core::lab {

Result<HttpReply, std::string> HttpGet(const std::string& netns, const std::string& ip,
                                       std::uint16_t port, std::chrono::milliseconds timeout) {
  if (netns.empty()) return core::HttpGet(ip, port, timeout);
  std::optional<Result<HttpReply, std::string>> out;
  std::thread t([&] {
    auto guard = EnterNetns(netns);
    if (!guard) {
      out.emplace(Fail(fmt::format("GET http://{}:{}/: {}", ip, port, guard.error())));
      return;
    }
    out.emplace(core::HttpGet(ip, port, timeout, fmt::format(" from netns {}", netns)));
  });
  t.join();
  return std::move(*out);
}

}  // namespace bgpdemo::core::lab
