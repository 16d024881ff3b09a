// Socket helpers shared by the HTTP probe (core/http_probe.h) and the lab's data plane
// stand-ins (core/lab/http_responder, http_relay): endpoints from and to text, a listening
// acceptor, and Asio errors worded for our messages. Free functions, no state; call them on any
// thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

// clang-format off
#include <utility>  // first: Boost 1.74's asio uses std::exchange without including it
#include <boost/asio/ip/tcp.hpp>
// clang-format on

#include "base/result.h"

namespace bgpdemo::core {

// How long a server side keeps reading (and discarding) after it has shut down its sending
// side, before it closes: closing with unread input sends a reset, which can destroy the
// reply still in flight.
inline constexpr std::chrono::milliseconds kLingerTime{1000};

// "10.0.0.1", 80 -> 10.0.0.1:80; an error for text that is not an IP address:
// "\"nginx\" is not an IP address".
Result<boost::asio::ip::tcp::endpoint, std::string> ParseEndpoint(const std::string& address,
                                                                  std::uint16_t port);

// "10.0.0.1:80", "[fd00::1]:80".
std::string EndpointText(const boost::asio::ip::tcp::endpoint& e);

// Opens, binds (with SO_REUSEADDR) and listens: "bind 10.0.0.1:80: address already in use".
Result<void, std::string> Listen(boost::asio::ip::tcp::acceptor& acceptor,
                                 const boost::asio::ip::tcp::endpoint& at);

// The error's message starting in lower case ("connection refused"): it goes after a colon.
std::string ErrorText(const boost::system::error_code& ec);

// 2000 ms -> "2 s", 300 ms -> "0.3 s".
std::string SecondsText(std::chrono::milliseconds d);

}  // namespace bgpdemo::core
