#include "core/ui/server.h"

#include <fmt/format.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <sstream>

#include "bgp/api/metrics_server.h"
#include "core/embedded_files.h"

namespace bgpdemo::core::ui {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kHeaderLimit = 8 * 1024;
constexpr std::size_t kBodyLimit = 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr auto kPingEvery = std::chrono::seconds(15);

// Nothing from elsewhere: scripts, styles, images and fetches from this server only.
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Asset {
  const char* path;  // in the binary (core/embedded_files.h)
  const char* type;
};

const std::map<std::string, Asset, std::less<>>& Assets() {
  static const std::map<std::string, Asset, std::less<>> assets{
      {"/", {"core/ui/assets/index.html", "text/html; charset=utf-8"}},
      {"/ui.js", {"core/ui/assets/ui.js", "text/javascript; charset=utf-8"}},
      {"/ui.css", {"core/ui/assets/ui.css", "text/css; charset=utf-8"}},
  };
  return assets;
}

// "a%20b" -> "a b"; nullopt when a % escape is cut short or not hex.
std::optional<std::string> Unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else {
      if (i + 2 >= s.size()) return std::nullopt;
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = hex(s[i + 1]);
      const int lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

// The query's parameters: "node=a&action=stop" -> {node: a, action: stop}.
std::optional<std::map<std::string, std::string>> Query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = Unescape(pair.substr(0, eq));
    auto value = Unescape(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    out[*key] = *value;
  }
  return out;
}

std::string SseMessage(std::string_view event, std::string_view data) {
  return fmt::format("event: {}\ndata: {}\n\n", event, data);
}

}  // namespace

// One accepted connection: one request, then one answer and close; or, for /api/events, a
// stream of messages until either side ends it.
struct Server::Connection : std::enable_shared_from_this<Connection> {
  Connection(Server& server, tcp::socket s) : server(server), stream(std::move(s)) {
    ++*server.open_;
    open = server.open_;
  }
  ~Connection() { --*open; }

  void Read() {
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    stream.expires_after(kRequestTimeout);
    http::async_read(stream, buffer, parser, [self = shared_from_this()](error_code ec, auto) {
      if (!ec) {
        self->Answer();
      } else if (ec == http::error::header_limit || ec == http::error::body_limit) {
        self->Write(http::status::payload_too_large, "request too large\n");
      }
    });
  }

  bool HostAllowed(std::string_view host) const {
    const auto at = server.endpoint();
    if (at.address().is_unspecified()) return true;
    const auto ip = at.address().to_string();
    const auto port = std::to_string(at.port());
    const auto name = at.address().is_v6() ? "[" + ip + "]" : ip;
    return host == name + ":" + port || (at.address().is_loopback() && host == "localhost:" + port);
  }

  void Answer() {
    const auto& req = parser.get();
    const std::string_view target(req.target().data(), req.target().size());
    const auto mark = target.find('?');
    const auto path = target.substr(0, mark);
    const auto query = mark == std::string_view::npos ? "" : target.substr(mark + 1);
    head = req.method() == http::verb::head;
    const bool get = req.method() == http::verb::get || head;
    const auto host = req[http::field::host];
    if (!HostAllowed(std::string_view(host.data(), host.size()))) {
      return Write(http::status::forbidden,
                   "the Host header names another server; open the address bgpdemo ui "
                   "printed\n");
    }
    if (path == "/api/speaker") return Action("speaker", query);
    if (path == "/api/fault") return Action("fault", query);
    if (!get) return Write(http::status::method_not_allowed, "only GET and HEAD here\n");
    if (const auto a = Assets().find(path); a != Assets().end()) {
      const auto content = FindEmbeddedFile(a->second.path);
      if (content) return Write(http::status::ok, std::string(*content), a->second.type);
    }
    if (path == "/api/state") {
      return Write(http::status::ok, server.state_, "application/json");
    }
    if (path == "/graph.svg") {
      if (server.svg_.empty()) return Write(http::status::not_found, "no graph drawn yet\n");
      return Write(http::status::ok, server.svg_, "image/svg+xml");
    }
    if (path == "/api/events" && !head) return StartStream();
    Write(http::status::not_found, "not found\n");
  }

  // POST /api/speaker?node=N&action=stop|start, /api/fault?kind=K[&node=N]&action=start|end.
  void Action(const std::string& what, std::string_view query) {
    const auto& req = parser.get();
    if (req.method() != http::verb::post) {
      return Write(http::status::method_not_allowed, "POST only\n");
    }
    if (!server.act_) {
      return Write(http::status::forbidden,
                   "read-only: start bgpdemo ui with --allow-actions to stop and start "
                   "speakers and inject faults from the page\n");
    }
    if (req.find("X-Bgpdemo-Action") == req.end()) {
      return Write(http::status::forbidden, "an action needs the header X-Bgpdemo-Action\n");
    }
    auto params = Query(query);
    const auto has = [&params](const char* key) {
      return params && params->count(key) != 0 && !params->at(key).empty();
    };
    const auto action = has("action") ? params->at("action") : "";
    if (what == "speaker" && (!has("node") || (action != "stop" && action != "start"))) {
      return Write(http::status::bad_request, "give node=NODE&action=stop|start\n");
    }
    if (what == "fault" && (!has("kind") || (action != "start" && action != "end"))) {
      return Write(http::status::bad_request, "give kind=KIND[&node=NODE]&action=start|end\n");
    }
    server.act_(what, *params, [self = shared_from_this()](unsigned status, std::string body) {
      asio::post(self->stream.get_executor(), [self, status, b = std::move(body)] {
        self->Write(static_cast<http::status>(status), b);
      });
    });
  }

  void Write(http::status status, std::string body,
             const char* type = "text/plain; charset=utf-8") {
    reply = {status, parser.get().version()};
    Headers(reply, type);
    if (status == http::status::method_not_allowed) reply.set(http::field::allow, "GET, HEAD");
    reply.keep_alive(false);
    reply.body() = std::move(body);
    reply.prepare_payload();
    if (head) reply.body().clear();  // Content-Length stays the GET's
    stream.expires_after(kRequestTimeout);
    http::async_write(stream, reply, [self = shared_from_this()](error_code, std::size_t) {
      error_code ignored;
      self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  template <typename Message>
  static void Headers(Message& m, const char* type) {
    m.set(http::field::server, "bgpdemo");
    m.set(http::field::content_type, type);
    m.set(http::field::cache_control, "no-store");
    m.set("X-Content-Type-Options", "nosniff");
    m.set("Content-Security-Policy", kPolicy);
  }

  // The event stream: its header, the state now, then whatever Server::Send queues.
  void StartStream() {
    http::response<http::empty_body> h{http::status::ok, parser.get().version()};
    Headers(h, "text/event-stream");
    h.set(http::field::connection, "close");
    std::ostringstream text;
    text << h.base();
    server.streams_.insert(shared_from_this());
    Queue(text.str());
    Queue(SseMessage("state", server.state_));
  }

  void Queue(std::string message) {
    if (closed) return;
    if (queue.size() >= kMaxBacklog) return Close();
    queue.push_back(std::move(message));
    if (queue.size() == 1) WriteNext();
  }

  void WriteNext() {
    stream.expires_after(kWriteTimeout);
    asio::async_write(stream, asio::buffer(queue.front()),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        if (ec) return self->Close();
                        self->queue.pop_front();
                        if (!self->queue.empty()) self->WriteNext();
                      });
  }

  void Close() {
    if (closed) return;
    closed = true;
    queue.clear();
    server.streams_.erase(shared_from_this());
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
  }

  Server& server;
  std::shared_ptr<std::size_t> open;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;
  http::response<http::string_body> reply;
  bool head = false;
  std::deque<std::string> queue;  // of an event stream: what is still to write
  bool closed = false;
};

Server::Server(asio::io_context& io, tcp::endpoint at, Act act)
    : io_(io), at_(std::move(at)), act_(std::move(act)) {}

Server::~Server() {
  Stop();
}

Result<void, std::string> Server::Start() {
  auto acceptor = bgp::api::Listen(io_, at_);
  if (!acceptor) return Fail(acceptor.error());
  acceptor_ = std::move(*acceptor);
  ping_ = std::make_unique<asio::steady_timer>(io_);
  Accept();
  // Keeps idle event streams open through proxies, and finds the ones whose reader left.
  struct Pinger {
    Server* server;
    void operator()(error_code ec) const {
      if (ec || !server->ping_) return;
      server->Send(": ping\n\n");
      server->ping_->expires_after(kPingEvery);
      server->ping_->async_wait(*this);
    }
  };
  ping_->expires_after(kPingEvery);
  ping_->async_wait(Pinger{this});
  return {};
}

void Server::Stop() {
  if (!acceptor_) return;
  error_code ignored;
  acceptor_->close(ignored);
  acceptor_.reset();
  ping_.reset();
  for (const auto& s : std::set(streams_)) s->Close();
}

tcp::endpoint Server::endpoint() const {
  return acceptor_ ? acceptor_->local_endpoint() : at_;
}

void Server::Publish(std::string state, std::optional<std::string> svg) {
  asio::post(io_, [this, state = std::move(state), svg = std::move(svg)]() mutable {
    state_ = std::move(state);
    if (svg) svg_ = std::move(*svg);
    Send(SseMessage("state", state_));
  });
}

void Server::Send(const std::string& message) {
  for (const auto& s : std::set(streams_)) s->Queue(message);
}

void Server::Accept() {
  acceptor_->async_accept([this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_) return;
    if (!ec) {
      if (*open_ >= kMaxConnections) {
        error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Connection>(*this, std::move(socket))->Read();
      }
    }
    Accept();
  });
}

Result<tcp::endpoint, std::string> ParseListenAddress(std::string_view text) {
  return bgp::api::ParseListenAddress(text, "--listen");
}

}  // namespace bgpdemo::core::ui
