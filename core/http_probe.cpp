#include "core/http_probe.h"

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

#include "core/http_socket.h"

namespace bgpdemo::core {

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

Result<HttpReply, std::string> HttpGet(const std::string& ip, std::uint16_t port,
                                       std::chrono::milliseconds timeout,
                                       const std::string& where) {
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

Result<HttpTarget, std::string> ParseHttpUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    return Fail(fmt::format("URL {:?}: only http:// is supported", url));
  }
  std::string rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {
    if (rest.substr(slash) != "/") {
      return Fail(fmt::format("URL {:?}: only the path / is supported", url));
    }
    rest.resize(slash);
  }
  if (rest.empty()) return Fail(fmt::format("URL {:?}: no host", url));
  HttpTarget t;
  std::string port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) return Fail(fmt::format("URL {:?}: no closing ]", url));
    t.ip = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return Fail(fmt::format("URL {:?}: bad port", url));
      port_text = rest.substr(close + 2);
    }
  } else if (const auto colon = rest.find(':'); colon != std::string::npos) {
    t.ip = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
  } else {
    t.ip = rest;
  }
  if (auto at = ParseEndpoint(t.ip, 0); !at) {
    return Fail(fmt::format("URL {:?}: the host must be an IP address", url));
  }
  if (!port_text.empty() || rest.back() == ':') {
    unsigned long port = 0;
    const bool digits = !port_text.empty() && port_text.size() <= 5 &&
                        port_text.find_first_not_of("0123456789") == std::string::npos;
    if (digits) port = std::stoul(port_text);
    if (!digits || port == 0 || port > 65535) {
      return Fail(fmt::format("URL {:?}: bad port {:?}", url, port_text));
    }
    t.port = static_cast<std::uint16_t>(port);
  }
  return t;
}

}  // namespace bgpdemo::core
