// HttpGet from inside a network namespace: the probe `verify` uses in the lab. The GET
// itself, its reply reader and its errors are core/http_probe.h, which the kind provider
// shares (`bgpdemo probe` in the router's container); this adds entering the namespace.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/result.h"
#include "core/http_probe.h"

namespace bgpdemo::core::lab {

using core::HttpReply;
using core::HttpReplyReader;

// GET http://ip:port/ from inside netns (empty: ours), on a thread of its own. Errors say
// what failed and where: "connect 10.22.0.1:80 from netns bgpd1-c1n1: connection refused",
// "GET http://10.22.0.1:80/ from netns X: timed out after 2 s waiting for the reply".
Result<HttpReply, std::string> HttpGet(const std::string& netns, const std::string& ip,
                                       std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace bgpdemo::core::lab
