// TCP MD5 signatures (RFC 2385) on Linux sockets.
//
// The key must be on the listening socket before the peer's SYN arrives, and on an active
// socket before connect() (robustness.md §4). A key for a whole prefix (dynamic neighbors)
// uses TCP_MD5SIG_EXT with TCP_MD5SIG_FLAG_PREFIX. An empty key removes the entry.
// Errors name the peer, never the key.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::session {

inline constexpr std::size_t kMaxMd5KeyLength = 80;  // TCP_MD5SIG_MAXKEYLEN

// Sets (or, with an empty key, removes) the key for one peer address on socket fd.
Result<void, std::string> SetTcpMd5(int fd, const wire::IpAddress& peer, std::string_view key);

// The same for every address in a prefix (needs Linux 4.13+).
Result<void, std::string> SetTcpMd5(int fd, const wire::Prefix& peers, std::string_view key);

}  // namespace bgpdemo::bgp::session
