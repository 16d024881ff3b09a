#include "core/http_socket.h"

#include <fmt/format.h>

#include <cctype>

namespace bgpdemo::core {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

Result<tcp::endpoint, std::string> ParseEndpoint(const std::string& address, std::uint16_t port) {
  error_code ec;
  const auto a = asio::ip::make_address(address, ec);
  if (ec) return Fail(fmt::format("\"{}\" is not an IP address", address));
  return tcp::endpoint(a, port);
}

std::string EndpointText(const tcp::endpoint& e) {
  return e.address().is_v6() ? fmt::format("[{}]:{}", e.address().to_string(), e.port())
                             : fmt::format("{}:{}", e.address().to_string(), e.port());
}

Result<void, std::string> Listen(tcp::acceptor& acceptor, const tcp::endpoint& at) {
  error_code ec;
  acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (ec) return Fail(fmt::format("bind {}: {}", EndpointText(at), ErrorText(ec)));
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Fail(fmt::format("listen {}: {}", EndpointText(at), ErrorText(ec)));
  return {};
}

std::string ErrorText(const error_code& ec) {
  std::string m = ec.message();
  if (!m.empty()) m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
  return m;
}

std::string SecondsText(std::chrono::milliseconds d) {
  return fmt::format("{:g} s", d.count() / 1000.0);
}

}  // namespace bgpdemo::core
