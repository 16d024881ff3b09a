#include "bgp/wire/notification.h"

#include <cstring>

#include <fmt/format.h>

namespace bgpdemo::bgp::wire {

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i - 1 < n) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

Notification Notification::Shutdown(CeaseSubcode subcode, std::string_view text) {
  Notification n;
  n.code = NotifyCode::kCease;
  n.subcode = static_cast<std::uint8_t>(subcode);
  // RFC 9003: at most 255 bytes; cut on a character boundary so the text stays UTF-8.
  std::size_t len = std::min<std::size_t>(text.size(), 255);
  while (len > 0 && len < text.size() && (static_cast<unsigned char>(text[len]) & 0xc0) == 0x80) {
    --len;
  }
  n.data.resize(1 + len);
  n.data[0] = static_cast<std::uint8_t>(len);
  if (len != 0) std::memcpy(n.data.data() + 1, text.data(), len);
  return n;
}

Notification Notification::FromError(const Error& e) {
  return Notification{e.code, e.subcode, e.data};
}

bool Notification::HasShutdownCommunication() const {
  return code == NotifyCode::kCease && !data.empty() &&
         (subcode == static_cast<std::uint8_t>(CeaseSubcode::kAdministrativeShutdown) ||
          subcode == static_cast<std::uint8_t>(CeaseSubcode::kAdministrativeReset));
}

Result<std::string, std::string> Notification::ShutdownText() const {
  if (!HasShutdownCommunication()) return Fail(std::string("no shutdown communication"));
  const std::size_t len = data[0];
  if (len + 1 > data.size()) {
    return Fail(fmt::format("shutdown communication length {} overruns the {} data bytes", len,
                            data.size() - 1));
  }
  std::string text(data.begin() + 1, data.begin() + 1 + static_cast<std::ptrdiff_t>(len));
  if (!IsValidUtf8(text)) return Fail(std::string("shutdown communication is not valid UTF-8"));
  return text;
}

Result<Notification, Error> DecodeNotification(std::span<const std::uint8_t> body) {
  Reader r(body, kHeaderSize);
  Notification n;
  std::uint8_t code = 0;
  if (!(r.U8(code) && r.U8(n.subcode))) {
    return Fail(Error{NotifyCode::kMessageHeaderError,
                      static_cast<std::uint8_t>(HeaderSubcode::kBadMessageLength),
                      {0, static_cast<std::uint8_t>(kHeaderSize + body.size())},
                      Action::kSessionReset, 16, "NOTIFICATION shorter than 21 bytes"});
  }
  n.code = static_cast<NotifyCode>(code);
  const auto rest = r.Rest();
  n.data.assign(rest.begin(), rest.end());
  return n;
}

void EncodeNotificationBody(const Notification& n, Writer& w) {
  w.U8(static_cast<std::uint8_t>(n.code));
  w.U8(n.subcode);
  w.Bytes(n.data);
}

}  // namespace bgpdemo::bgp::wire
