#include "core/lab/http_probe.h"

#include <fmt/format.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <functional>
#include <optional>
#include <thread>

#include "core/lab/http_socket.h"
#include "core/lab/netns.h"

namespace bgpdemo::core::lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kQuoted = 80;  // of a bad status line

// The first line of `head` up to its CR, control bytes (a bare LF too) as \xNN, at most
// kQuoted characters.
std::string FirstLine(const std::string& head) {
  std::string out;
  for (const char c : head) {
    if (c == '\r' || out.size() >= kQuoted) break;
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

struct HttpReplyReader::Impl {
  http::response_parser<http::string_body> parser;
  beast::flat_buffer buffer;  // received, not consumed by the parser yet
  std::size_t max_body = 0;
};

HttpReplyReader::HttpReplyReader(std::size_t max_body) : impl_(std::make_unique<Impl>()) {
  impl_->max_body = max_body;
  impl_->parser.header_limit(kMaxHeader);
  impl_->parser.body_limit(max_body);
  impl_->parser.eager(true);  // header and body in one put() when both have arrived
}

HttpReplyReader::~HttpReplyReader() = default;

Result<bool, std::string> HttpReplyReader::Feed(std::string_view bytes) {
  received_ += bytes.size();
  if (head_.size() < kQuoted) head_.append(bytes.substr(0, kQuoted - head_.size()));
  auto& p = impl_->parser;
  auto& buffer = impl_->buffer;
  buffer.commit(asio::buffer_copy(buffer.prepare(bytes.size()), asio::buffer(bytes)));
  while (buffer.size() > 0) {
    error_code ec;
    const auto used = p.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) return false;
    if (ec == http::error::header_limit) {
      return Fail(fmt::format("header longer than {} bytes", kMaxHeader));
    }
    if (ec == http::error::body_limit) {
      return Fail(fmt::format("body longer than {} bytes", impl_->max_body));
    }
    if (ec == http::error::bad_version || ec == http::error::bad_status ||
        ec == http::error::bad_reason) {
      return Fail(fmt::format("{} in the status line \"{}\"", ec.message(), FirstLine(head_)));
    }
    if (ec) {
      return Fail(
          fmt::format("{} in the {}", ec.message(), p.is_header_done() ? "body" : "header"));
    }
    if (p.is_done()) return true;
    if (used == 0) return false;
  }
  return false;
}

Result<void, std::string> HttpReplyReader::End() {
  auto& p = impl_->parser;
  if (received_ == 0) return Fail(std::string("connection closed without a reply"));
  if (!p.is_header_done()) return Fail(std::string("reply header cut short"));
  error_code ec;
  p.put_eof(ec);
  if (!ec) return {};
  if (p.chunked()) return Fail(std::string("connection closed in the middle of the chunked body"));
  if (const auto length = p.content_length()) {
    return Fail(
        fmt::format("connection closed after {} of {} body bytes", p.get().body().size(), *length));
  }
  return Fail(fmt::format("{} in the body", ec.message()));
}

std::size_t HttpReplyReader::buffered() const {
  return impl_->buffer.size();
}

HttpReply HttpReplyReader::Take() {
  auto message = impl_->parser.release();
  HttpReply r;
  r.status = static_cast<int>(message.result_int());
  r.reason = std::string(message.reason());
  for (const auto& field : message) {
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  r.body = std::move(message.body());
  return r;
}

namespace {

Result<HttpReply, std::string> GetHere(const std::string& where, const std::string& ip,
                                       std::uint16_t port, std::chrono::milliseconds timeout) {
  auto at = ParseEndpoint(ip, port);
  if (!at) return Fail(fmt::format("GET{}: {}", where, at.error()));
  const std::string url = fmt::format("http://{}/", EndpointText(*at));
  const auto start = std::chrono::steady_clock::now();

  http::request<http::empty_body> request{http::verb::get, "/", 11};
  request.set(http::field::host, EndpointText(*at));
  request.set(http::field::user_agent, "bgpdemo");
  request.set(http::field::accept, "*/*");
  request.set(http::field::connection, "close");

  asio::io_context io;
  tcp::socket socket(io);
  HttpReplyReader reader;
  std::array<char, 16384> chunk{};
  bool connected = false;
  bool done = false;
  std::optional<std::string> error;

  std::function<void()> read_more = [&] {
    socket.async_read_some(asio::buffer(chunk), [&](const error_code& ec, std::size_t n) {
      if (n > 0) {
        auto complete = reader.Feed(std::string_view(chunk.data(), n));
        if (!complete) {
          error = fmt::format("GET {}{}: bad reply: {}", url, where, complete.error());
          return;
        }
        if (*complete) {
          done = true;
          return;
        }
      }
      if (ec == asio::error::eof) {
        auto end = reader.End();
        if (end) {
          done = true;
        } else {
          error = fmt::format("GET {}{}: {}", url, where, end.error());
        }
        return;
      }
      if (ec) {
        error = fmt::format("GET {}{}: read: {}", url, where, ErrorText(ec));
        return;
      }
      read_more();
    });
  };
  socket.async_connect(*at, [&](const error_code& ec) {
    if (ec) {
      error = fmt::format("connect {}{}: {}", EndpointText(*at), where, ErrorText(ec));
      return;
    }
    connected = true;
    http::async_write(socket, request, [&](const error_code& wec, std::size_t) {
      if (wec) {
        error = fmt::format("GET {}{}: send: {}", url, where, ErrorText(wec));
        return;
      }
      read_more();
    });
  });
  io.run_for(timeout);

  if (error) return Fail(*error);
  if (!done) {
    if (!connected) {
      return Fail(fmt::format("connect {}{}: timed out after {}", EndpointText(*at), where,
                              SecondsText(timeout)));
    }
    if (reader.received() == 0) {
      return Fail(fmt::format("GET {}{}: timed out after {} waiting for the reply", url, where,
                              SecondsText(timeout)));
    }
    return Fail(fmt::format("GET {}{}: timed out after {} reading the reply ({} bytes so far)", url,
                            where, SecondsText(timeout), reader.received()));
  }
  HttpReply reply = reader.Take();
  reply.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return reply;
}

}  // namespace

Result<HttpReply, std::string> HttpGet(const std::string& netns, const std::string& ip,
                                       std::uint16_t port, std::chrono::milliseconds timeout) {
  if (netns.empty()) return GetHere("", ip, port, timeout);
  std::optional<Result<HttpReply, std::string>> out;
  std::thread t([&] {
    auto guard = EnterNetns(netns);
    if (!guard) {
      out.emplace(Fail(fmt::format("GET http://{}:{}/: {}", ip, port, guard.error())));
      return;
    }
    out.emplace(GetHere(fmt::format(" from netns {}", netns), ip, port, timeout));
  });
  t.join();
  return std::move(*out);
}

}  // namespace bgpdemo::core::lab
