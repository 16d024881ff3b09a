#include "tests/bgp/server/loopback.h"

namespace bgpdemo::test {

using namespace bgp;
using server::NeighborConfig;
using server::RouterConfig;
using server::Server;
namespace asio = boost::asio;

std::uint16_t FreePort() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

wire::IpAddress Addr(const char* s) {
  return *wire::IpAddress::Parse(s);
}

RouterConfig RouterCfg(std::uint16_t port) {
  RouterConfig c;
  c.router_id = Addr("127.0.0.1").v4();
  c.local_as = 65000;
  c.listen_addresses = {Addr("127.0.0.1")};
  c.listen_port = port;
  c.hostname = "router";
  for (auto [range, as] : {std::pair{"127.0.0.2/32", 65100u}, std::pair{"127.0.0.3/32", 65200u}}) {
    NeighborConfig n;
    n.name = range;
    n.range = wire::Prefix::Parse(range);
    n.peer_as = as;
    n.passive = true;
    n.policy.import_filter = policy::Filter::AcceptAll();
    n.policy.export_filter = policy::Filter::AcceptAll();
    c.neighbors.push_back(n);
  }
  return c;
}

RouterConfig NodeCfg(const char* address, std::uint32_t as, std::uint16_t router_port,
                     std::vector<const char*> routes) {
  RouterConfig c;
  c.router_id = Addr(address).v4();
  c.local_as = as;
  c.listen_addresses = {Addr(address)};
  c.listen_port = 0;  // a node that only dials out
  c.hostname = std::string("node-") + address;
  NeighborConfig n;
  n.name = "router";
  n.address = Addr("127.0.0.1");
  n.port = router_port;
  n.local_address = Addr(address);
  n.peer_as = 65000;
  n.policy.import_filter = policy::Filter::AcceptAll();
  n.policy.export_filter = policy::Filter::AcceptAll();
  c.neighbors.push_back(n);
  for (auto r : routes) c.originate.push_back(*wire::Prefix::Parse(r));
  return c;
}

bool RunUntil(asio::io_context& io, const std::function<bool()>& pred,
              std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  return true;
}

std::optional<std::string> BestAsPath(const Server& s, const char* prefix) {
  auto best = s.rib().Best(*wire::Prefix::Parse(prefix));
  if (!best) return std::nullopt;
  const auto& a = best->attrs.attrs();
  return a.as_path ? a.as_path->ToString() : std::string();
}

}  // namespace bgpdemo::test
