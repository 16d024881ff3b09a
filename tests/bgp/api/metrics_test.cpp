// The router's Prometheus metrics (bgp/api/metrics.h): the text format's lines for a known
// snapshot, label escaping, the listen address flag, and the HTTP endpoint
// (bgp/api/metrics_server.h) on loopback: its paths, methods and connection limit.
#include "bgp/api/metrics.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <boost/asio.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "bgp/api/metrics_server.h"

namespace bgpdemo::bgp::api {
namespace {

using boost::asio::ip::tcp;

struct NullLogger : Logger {
  void Log(LogLevel, std::string_view, std::initializer_list<LogField>) override {}
};

wire::IpAddress Addr(const char* text) {
  return *wire::IpAddress::Parse(text);
}

std::vector<server::PeerSnapshot> TwoPeers() {
  server::PeerSnapshot up;
  up.address = Addr("172.22.0.3");
  up.name = "cilium \"a\"\\b";
  up.peer_as = 65100;
  up.state = State::kEstablished;
  up.uptime = std::chrono::seconds(125);
  up.messages_received = 12;
  up.messages_sent = 10;
  up.updates_received = 7;
  up.updates_sent = 4;
  server::NegotiatedSnapshot n;
  n.families = {{wire::kIpv4Unicast, 3, 2, 5}, {wire::kIpv6Unicast, 1, 1, 0}};
  up.negotiated = n;
  server::PeerSnapshot down;
  down.address = Addr("fd00::9");
  down.name = "other";
  down.peer_as = 65200;
  down.state = State::kActive;
  return {up, down};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool HasLine(const std::string& text, const std::string& line) {
  const auto lines = Lines(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST_CASE("metrics: the text format of a snapshot, every family with its HELP and TYPE") {
  const auto peers = TwoPeers();
  MetricsInput in;
  in.version = "0.1.0";
  in.peers = peers;
  in.rib_prefixes = {8, 8};
  in.rib_memory_bytes = 4096;
  in.fib = FibCounters{14, 2, 1, 0};
  in.process = {1000, 2000, 1733200000.5, 9, 31};
  const auto text = MetricsText(in);
  CHECK(text.ends_with("\n"));
  for (const char* line :
       {"bgpdemo_build_info{version=\"0.1.0\"} 1",
        "bgpdemo_bgp_sessions{state=\"established\"} 1",
        "bgpdemo_bgp_sessions{state=\"active\"} 1",
        "bgpdemo_bgp_sessions{state=\"idle\"} 0",
        "bgpdemo_bgp_peer_up{peer=\"172.22.0.3\",name=\"cilium "
        "\\\"a\\\"\\\\b\",peer_asn=\"65100\"} 1",
        "bgpdemo_bgp_peer_up{peer=\"fd00::9\",name=\"other\",peer_asn=\"65200\"} 0",
        "bgpdemo_bgp_peer_uptime_seconds{peer=\"172.22.0.3\"} 125",
        "bgpdemo_bgp_peer_uptime_seconds{peer=\"fd00::9\"} 0",
        "bgpdemo_bgp_peer_received_messages_total{peer=\"172.22.0.3\"} 12",
        "bgpdemo_bgp_peer_sent_updates_total{peer=\"172.22.0.3\"} 4",
        "bgpdemo_bgp_peer_received_updates_total{peer=\"fd00::9\"} 0",
        "bgpdemo_bgp_peer_prefixes_received{peer=\"172.22.0.3\",family=\"ipv4-unicast\"} 3",
        "bgpdemo_bgp_peer_prefixes_accepted{peer=\"172.22.0.3\",family=\"ipv4-unicast\"} 2",
        "bgpdemo_bgp_peer_prefixes_advertised{peer=\"172.22.0.3\",family=\"ipv4-unicast\"} 5",
        "bgpdemo_bgp_peer_prefixes_received{peer=\"172.22.0.3\",family=\"ipv6-unicast\"} 1",
        "bgpdemo_rib_prefixes{family=\"ipv6-unicast\"} 8",
        "bgpdemo_rib_memory_bytes 4096",
        "bgpdemo_fib_routes 14",
        "bgpdemo_fib_pending_changes 2",
        "bgpdemo_fib_errors_total 1",
        "process_resident_memory_bytes 1000",
        "process_start_time_seconds 1733200000.50",
        "process_open_fds 9",
        "bgpdemo_bgp_timers 31",
        "# TYPE bgpdemo_fib_errors_total counter",
        "# TYPE bgpdemo_bgp_peer_up gauge"}) {
    CAPTURE(std::string(line));
    CHECK(HasLine(text, line));
  }
  // Each metric's samples follow its own # HELP and # TYPE, once.
  std::set<std::string> typed;
  std::string current;
  for (const auto& line : Lines(text)) {
    if (line.starts_with("# HELP ")) continue;
    if (line.starts_with("# TYPE ")) {
      current = line.substr(7, line.find(' ', 7) - 7);
      CHECK(typed.insert(current).second);
      continue;
    }
    const auto name = line.substr(0, line.find_first_of("{ "));
    CAPTURE(line);
    CHECK(name == current);
  }
  // No FIB: none of its metrics.
  in.fib.reset();
  CHECK(MetricsText(in).find("bgpdemo_fib_") == std::string::npos);
  CHECK(EscapeLabelValue("a\nb") == "a\\nb");
}

TEST_CASE("metrics: --metrics takes ADDRESS:PORT, IPv6 in brackets") {
  auto v4 = ParseListenAddress("127.0.0.1:9179");
  REQUIRE(v4);
  CHECK(v4->port() == 9179);
  auto v6 = ParseListenAddress("[::1]:0");
  REQUIRE(v6);
  CHECK(v6->address().is_v6());
  for (const char* bad : {"127.0.0.1", "::1:9179", "[::1]9179", "localhost:9179", "127.0.0.1:70000",
                          "127.0.0.1:", "[::1"}) {
    CAPTURE(std::string(bad));
    auto r = ParseListenAddress(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("give ADDRESS:PORT") != std::string::npos);
  }
}

// One HTTP exchange over a fresh connection: the whole reply.
std::string Exchange(const tcp::endpoint& at, const std::string& request) {
  boost::asio::io_context io;
  tcp::socket s(io);
  s.connect(at);
  boost::system::error_code ec;
  boost::asio::write(s, boost::asio::buffer(request), ec);  // the server may close first
  std::string reply;
  std::array<char, 4096> buf{};
  while (true) {
    const auto n = s.read_some(boost::asio::buffer(buf), ec);
    reply.append(buf.data(), n);
    if (ec) break;
  }
  return reply;
}

TEST_CASE("metrics server: GET /metrics, HEAD, 404, 405, and at most 16 connections") {
  boost::asio::io_context io;
  NullLogger log;
  std::atomic<int> calls = 0;
  MetricsServer server(
      io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
      [&] {
        ++calls;
        return std::string("bgpdemo_up 1\n");
      },
      log);
  REQUIRE(server.Start());
  const auto at = server.endpoint();
  CHECK(at.port() != 0);
  auto guard = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });

  const auto ok = Exchange(at, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(ok.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);
  CHECK(ok.ends_with("\r\n\r\nbgpdemo_up 1\n"));
  const auto head = Exchange(at, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(head.find("Content-Length: 13\r\n") != std::string::npos);
  CHECK(head.ends_with("\r\n\r\n"));
  CHECK(Exchange(at, "GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 Not Found"));
  const auto post = Exchange(at, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  CHECK(post.starts_with("HTTP/1.1 405 Method Not Allowed"));
  CHECK(post.find("Allow: GET, HEAD\r\n") != std::string::npos);
  // A header over 8 KiB is not answered.
  CHECK(Exchange(at, "GET /metrics HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n").empty());

  // 16 idle connections hold every slot: the 17th is closed unanswered; once they go, a
  // scrape is answered again.
  {
    boost::asio::io_context client;
    std::vector<tcp::socket> idle;
    for (std::size_t i = 0; i < MetricsServer::kMaxConnections; ++i) {
      idle.emplace_back(client).connect(at);
    }
    // Once the server has accepted them all (a loaded machine takes a while), a request
    // is closed unanswered.
    bool refused = false;
    for (int i = 0; i < 500 && !refused; ++i) {
      refused = Exchange(at, "GET /metrics HTTP/1.1\r\n\r\n").empty();
      if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(refused);
  }
  std::string again;
  for (int i = 0; i < 200 && !again.starts_with("HTTP/1.1 200"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    again = Exchange(at, "GET /metrics HTTP/1.1\r\n\r\n");
  }
  CHECK(again.starts_with("HTTP/1.1 200"));
  CHECK(calls >= 3);
  boost::asio::post(io, [&] { server.Stop(); });
  guard.reset();
  runner.join();
}

}  // namespace
}  // namespace bgpdemo::bgp::api
