// Tests for bgp/session/connection: shared chunks on the wire, the send queue's water marks
// and pausing reads (the server's backpressure). Real TCP on 127.0.0.1, one io_context.
#include "bgp/session/connection.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>

#include "bgp/wire/message.h"

using namespace bgpdemo::bgp;
using session::Chunk;
using session::Connection;
namespace asio = boost::asio;

namespace {

// A connected pair: `local` sends, `remote` receives and collects every message it is given.
struct Pair {
  std::shared_ptr<Connection> local, remote;
  std::vector<std::uint8_t> received;
  std::size_t messages = 0;
  std::vector<bool> congestion;  // every on_congestion report of `local`
};

Pair Connect(asio::io_context& io) {
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io), server(io);
  client.connect(acceptor.local_endpoint());
  acceptor.accept(server);
  Pair p;
  p.local = std::make_shared<Connection>(std::move(server));
  p.remote = std::make_shared<Connection>(std::move(client));
  return p;
}

void StartPair(Pair& p, bool remote_reads) {
  p.local->Start({[](auto) { return true; }, [](auto, auto&) {},
                  [&p](bool congested) { p.congestion.push_back(congested); }},
                 wire::Context{});
  p.remote->SetReading(remote_reads);
  p.remote->Start({[&p](std::span<const std::uint8_t> m) {
                     p.received.insert(p.received.end(), m.begin(), m.end());
                     ++p.messages;
                     return true;
                   },
                   [](auto, auto&) {}},
                  wire::Context{});
}

// Whole KEEPALIVEs, n of them, in one buffer.
Chunk Keepalives(std::size_t n) {
  const auto one = *wire::EncodeMessage(wire::Message{wire::Keepalive{}}, wire::Context{});
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < n; ++i) bytes.insert(bytes.end(), one.begin(), one.end());
  return std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
}

bool RunUntil(asio::io_context& io, const std::function<bool()>& pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(std::chrono::milliseconds(5));
    io.restart();
  }
  return true;
}

}  // namespace

TEST_CASE("connection: one shared chunk reaches every peer byte-identical, in order") {
  asio::io_context io;
  std::vector<Pair> pairs;
  pairs.reserve(3);
  for (int i = 0; i < 3; ++i) pairs.push_back(Connect(io));
  for (auto& p : pairs) StartPair(p, true);
  const Chunk first = Keepalives(1000);
  auto update = *wire::EncodeMessage(wire::Message{wire::Update{}}, wire::Context{});
  const Chunk second = std::make_shared<const std::vector<std::uint8_t>>(update);
  for (auto& p : pairs) {
    p.local->Send(first);
    p.local->Send(second);
    p.local->Send(std::span<const std::uint8_t>(update));  // a copy, queued behind
  }
  std::vector<std::uint8_t> expected = *first;
  expected.insert(expected.end(), update.begin(), update.end());
  expected.insert(expected.end(), update.begin(), update.end());
  REQUIRE(RunUntil(io, [&] {
    for (const auto& p : pairs) {
      if (p.received.size() < expected.size()) return false;
    }
    return true;
  }));
  CHECK(first.use_count() == 1);  // every queue let go of it once written
  for (const auto& p : pairs) {
    CHECK(p.received == expected);
    CHECK(p.messages == 1002);
    CHECK(p.local->bytes_queued() == 0);
    CHECK(p.local->bytes_written() == expected.size());
  }
}

TEST_CASE("connection: a peer that does not read congests the queue, reading it drains") {
  asio::io_context io;
  Pair p = Connect(io);
  StartPair(p, false);  // the remote end takes nothing from its socket
  const Chunk chunk = Keepalives(64 * 1024 / 19);
  std::size_t sent = 0;
  // The kernel's buffers fill first; then the queue grows to the high-water mark.
  while (!p.local->congested() && sent < 256 * 1024 * 1024) {
    p.local->Send(chunk);
    sent += chunk->size();
    io.poll();
    io.restart();
  }
  REQUIRE(p.local->congested());
  CHECK(p.congestion == std::vector<bool>{true});
  CHECK(p.local->bytes_queued() > Connection::kHighWater);
  CHECK(p.local->bytes_queued() <= Connection::kHighWater + chunk->size());
  CHECK(p.messages == 0);  // paused: nothing delivered
  // The queue holds references, not copies: one buffer however often it is queued.
  CHECK(chunk.use_count() > 2);

  p.remote->SetReading(true);
  REQUIRE(RunUntil(io, [&] { return p.local->bytes_queued() == 0 && p.received.size() == sent; }));
  CHECK(p.congestion == std::vector<bool>{true, false});
  CHECK(!p.local->congested());
  CHECK(p.messages == sent / 19);
  CHECK(chunk.use_count() == 1);
}

TEST_CASE("connection: pausing lets the read in flight finish, then reads nothing until resumed") {
  asio::io_context io;
  Pair p = Connect(io);
  StartPair(p, true);
  p.local->Send(Keepalives(1));
  REQUIRE(RunUntil(io, [&] { return p.messages == 1; }));
  // The next read was already started: what it gets is still delivered.
  p.remote->SetReading(false);
  p.local->Send(Keepalives(10));
  REQUIRE(RunUntil(io, [&] { return p.messages == 11; }));
  p.local->Send(Keepalives(10));
  io.run_for(std::chrono::milliseconds(50));
  io.restart();
  CHECK(p.messages == 11);
  p.remote->SetReading(true);
  REQUIRE(RunUntil(io, [&] { return p.messages == 21; }));
}

TEST_CASE("connection: on_read_done follows the whole messages of each read") {
  asio::io_context io;
  Pair p = Connect(io);
  p.local->Start({[](auto) { return true; }, [](auto, auto&) {}}, wire::Context{});
  // What was delivered when each read ended: the owner exports once per batch.
  std::vector<std::size_t> done_at;
  p.remote->Start({[&p](std::span<const std::uint8_t>) {
                     ++p.messages;
                     return true;
                   },
                   [](auto, auto&) {}, nullptr, [&p, &done_at] { done_at.push_back(p.messages); }},
                  wire::Context{});
  p.local->Send(Keepalives(3));
  REQUIRE(RunUntil(io, [&] { return p.messages == 3 && !done_at.empty(); }));
  CHECK(done_at.back() == 3);  // after the last of the three, never between them
  // 1,000 KEEPALIVEs take more than one read (the first offers 4 KiB): each read ends with
  // the messages it completed, and the last with all of them.
  p.local->Send(Keepalives(1000));
  REQUIRE(RunUntil(io, [&] { return p.messages == 1003 && done_at.back() == 1003; }));
  CHECK(done_at.size() > 2);
  CHECK(std::is_sorted(done_at.begin(), done_at.end()));
}
