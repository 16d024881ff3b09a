// Servers on 127.0.0.0/8 in one process, no root needed: a route server and node speakers
// over real TCP, for the tests of bgp/server.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bgp/server/server.h"  // and Boost.Asio, after the <utility> it needs

namespace bgpdemo::test {

// A TCP port free on 127.0.0.1 now.
std::uint16_t FreePort();

bgp::wire::IpAddress Addr(const char* s);

// A route server on 127.0.0.1:port (AS 65000) with two passive neighbors, the ranges
// 127.0.0.2/32 (AS 65100) and 127.0.0.3/32 (AS 65200), that accept and export everything.
bgp::server::RouterConfig RouterCfg(std::uint16_t port);

// A node speaker at `address` (AS `as`) that dials the router at 127.0.0.1:router_port and
// originates `routes`.
bgp::server::RouterConfig NodeCfg(const char* address, std::uint32_t as, std::uint16_t router_port,
                                  std::vector<const char*> routes);

// Runs io until pred holds or `limit` passes; whether it held.
bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& pred,
              std::chrono::milliseconds limit = std::chrono::seconds(10));

// The AS_PATH of the best path to `prefix` ("" for a local route), or nullopt: no route.
std::optional<std::string> BestAsPath(const bgp::server::Server& s, const char* prefix);

}  // namespace bgpdemo::test
