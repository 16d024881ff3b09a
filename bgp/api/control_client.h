// A blocking client for the control socket (bgp/api/control_server.h), for the CLI and
// tests: connect, send one request, read one response line, with a deadline.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace bgpdemo::bgp::api {

// The response's "result" when "ok" is true; the error text otherwise (including "cannot
// connect to PATH: ..." when nothing listens).
Result<nlohmann::json, std::string> Request(const std::string& path, const nlohmann::json& request,
                                            std::chrono::milliseconds timeout);

}  // namespace bgpdemo::bgp::api
