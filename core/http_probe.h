// HttpGet: the probe `verify` runs: one GET of http://ip:port/ with a deadline for the whole
// exchange. The lab runs it inside a network namespace (core/lab/http_probe.h); the kind
// provider runs it in the route server's container as `bgpdemo probe URL` (cli/), so that
// the router image needs no curl.
// The request is written and the reply parsed with Boost.Beast (RFC 9112 section 6): a body
// framed by Content-Length, by the chunked transfer coding, or by the end of the connection.
// A reply is complete as soon as its framing says so, whatever the connection does next, so
// a server that keeps the connection alive answers as fast as one that closes it.
//
//   socket --bytes, in pieces of any size--> HttpReplyReader --> HttpReply
//
// HttpReplyReader is the seam where bytes become a reply: HttpGet feeds it what each read
// returns; the tests feed it byte by byte.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace bgpdemo::core {

struct HttpReply {
  int status = 0;
  std::string reason;                                        // "OK"
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;                                          // without the transfer coding
  double seconds = 0;  // from the start of the connect to the end of the reply
};

// Parses one reply from the bytes of a connection, each byte once, as they arrive. The
// parser keeps only what it has not consumed yet (an incomplete header, a partial chunk
// header). One reader per reply; not thread-safe.
class HttpReplyReader {
 public:
  static constexpr std::size_t kMaxHeader = 8192;
  static constexpr std::size_t kMaxBody = std::size_t{1} << 20;

  explicit HttpReplyReader(std::size_t max_body = kMaxBody);
  ~HttpReplyReader();
  HttpReplyReader(const HttpReplyReader&) = delete;
  HttpReplyReader& operator=(const HttpReplyReader&) = delete;

  // Parses what it can of what has arrived so far; true once the reply is complete (bytes
  // after its end are ignored). Errors name what was wrong, e.g.
  //   bad version in the status line "SPDY/3 200 OK"
  //   bad Content-Length in the header
  //   bad chunk in the body
  //   header longer than 8192 bytes / body longer than 1048576 bytes
  // REQUIRES: no earlier call returned true or an error.
  Result<bool, std::string> Feed(std::string_view bytes);

  // The server closed the connection: ends a body that runs to the end of the connection.
  // Errors say how far the reply got: "connection closed without a reply", "reply header cut
  // short", "connection closed after 5 of 23 body bytes", "connection closed in the middle
  // of the chunked body".
  Result<void, std::string> End();

  std::size_t received() const { return received_; }  // bytes fed so far
  std::size_t buffered() const;                       // of those, kept for the parser's next call

  // REQUIRES: Feed returned true or End succeeded.
  HttpReply Take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::size_t received_ = 0;
  std::string head_;  // the first bytes received, to quote a bad status line
};

// GET http://ip:port/ from this thread's network namespace. `where` goes after the address
// in errors (" from netns X"). Errors say what failed: "connect 10.22.0.1:80: connection
// refused", "GET http://10.22.0.1:80/: timed out after 2 s waiting for the reply",
// "GET http://10.22.0.1:80/: bad reply: bad chunk in the body".
Result<HttpReply, std::string> HttpGet(const std::string& ip, std::uint16_t port,
                                       std::chrono::milliseconds timeout,
                                       const std::string& where = "");

// "http://10.0.0.1:8080/", "http://[fd00::1]/" -> the address and the port (80 when none);
// what `bgpdemo probe` takes. Only an IP address and the path "/" (or none): "URL
// \"http://nginx/\": the host must be an IP address".
struct HttpTarget {
  std::string ip;
  std::uint16_t port = 80;
};
Result<HttpTarget, std::string> ParseHttpUrl(const std::string& url);

}  // namespace bgpdemo::core
