#include "core/decode.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "bgp/wire/message.h"
#include "core/wire_json.h"

namespace bgpdemo::core {

using namespace bgp::wire;
using nlohmann::json;

namespace {

std::string TypeName(std::uint8_t type) {
  switch (static_cast<MessageType>(type)) {
    case MessageType::kOpen:
      return "open";
    case MessageType::kUpdate:
      return "update";
    case MessageType::kNotification:
      return "notification";
    case MessageType::kKeepalive:
      return "keepalive";
    case MessageType::kRouteRefresh:
      return "route-refresh";
  }
  return fmt::format("type-{}", type);
}

Context ContextOf(const DecodeSettings& s) {
  Context ctx;
  ctx.four_octet_as = s.four_octet_as;
  ctx.extended_message = s.extended_message;
  ctx.add_path_ipv4 = s.add_path_ipv4;
  ctx.add_path_ipv6 = s.add_path_ipv6;
  return ctx;
}

void Count(const Update& u, DecodeSummary& summary) {
  if (u.action != Action::kNone) {
    ++summary.errors;
    return;
  }
  summary.announced += u.AnnouncedCount();
  summary.withdrawn += u.WithdrawnCount();
  if (u.EndOfRib()) ++summary.end_of_rib;
}

// Formats records and hands them to the sink; does nothing without a format.
class Records {
 public:
  Records(std::optional<DecodeFormat> format, const DecodeSink& sink)
      : format_(format), sink_(sink) {}

  bool on() const { return format_.has_value(); }

  void Error(std::size_t index, std::size_t offset, std::optional<std::uint8_t> type,
             const bgp::wire::Error& e) {
    if (!on()) return;
    if (format_ == DecodeFormat::kText) {
      sink_(fmt::format("#{} {} at byte {}: {}", index,
                        type ? TypeName(*type) : std::string("message"), offset, ToText(e)));
      return;
    }
    json j = {{"index", index}, {"offset", offset}};
    if (type) j["type"] = TypeName(*type);
    j["error"] = ToJson(e);
    sink_(SafeDump(j));
  }

  void Message(std::size_t index, std::size_t offset, std::size_t length,
               const bgp::wire::Message& msg, const Context& ctx) {
    if (!on()) return;
    if (format_ == DecodeFormat::kText) {
      sink_(fmt::format("#{} at byte {}, {} bytes: {}", index, offset, length, ToText(msg, ctx)));
      return;
    }
    json record = {{"index", index}, {"offset", offset}, {"length", length}};
    record.update(ToJson(msg, ctx));
    if (const auto* u = std::get_if<Update>(&msg); u && u->action != Action::kNone) {
      // Still an error for the caller: say which one was strongest.
      for (const auto& p : u->problems) {
        if (p.action == u->action) {
          record["error"] = ToJson(p);
          break;
        }
      }
    }
    sink_(SafeDump(record));
  }

 private:
  std::optional<DecodeFormat> format_;
  const DecodeSink& sink_;
};

}  // namespace

DecodeSummary DecodeMessages(std::span<const std::uint8_t> data, const DecodeSettings& settings,
                             std::optional<DecodeFormat> format, const DecodeSink& sink) {
  const Context ctx = ContextOf(settings);
  DecodeSummary summary;
  Records records(format, sink);
  auto error = [&](std::size_t index, std::size_t offset, std::optional<std::uint8_t> type,
                   const bgp::wire::Error& e) {
    ++summary.errors;
    records.Error(index, offset, type, e);
  };

  Update scratch;  // the summary path decodes every UPDATE into one reused value
  std::size_t offset = 0;
  std::size_t index = 0;
  while (offset < data.size()) {
    const auto rest = data.subspan(offset);
    if (rest.size() < kHeaderSize) {
      error(index, offset, std::nullopt,
            bgp::wire::Error{NotifyCode::kMessageHeaderError,
                             static_cast<std::uint8_t>(HeaderSubcode::kBadMessageLength),
                             {},
                             Action::kSessionReset,
                             0,
                             fmt::format("input ends with {} bytes, too few for a 19-byte header",
                                         rest.size())});
      break;
    }
    auto header = DecodeHeader(rest, ctx);
    if (!header) {
      // The stream cannot be resynchronised after a bad header: stop here.
      error(index, offset, std::nullopt, header.error());
      break;
    }
    const std::uint8_t type = static_cast<std::uint8_t>(header->type);
    if (rest.size() < header->length) {
      error(index, offset, type,
            bgp::wire::Error{NotifyCode::kMessageHeaderError,
                             static_cast<std::uint8_t>(HeaderSubcode::kBadMessageLength),
                             {rest[16], rest[17]},
                             Action::kSessionReset,
                             16,
                             fmt::format("header says {} bytes but the input ends after {}",
                                         header->length, rest.size())});
      break;
    }
    const auto bytes = rest.first(header->length);
    ++summary.messages;
    ++summary.by_type[TypeName(type)];

    if (!records.on() && header->type == MessageType::kUpdate) {
      auto res = DecodeUpdate(bytes.subspan(kHeaderSize), ctx, scratch);
      if (!res) {
        ++summary.errors;
      } else {
        Count(scratch, summary);
      }
    } else {
      auto msg = DecodeMessage(bytes, ctx);
      if (!msg) {
        error(index, offset, type, msg.error());
      } else {
        if (const auto* u = std::get_if<Update>(&*msg)) Count(*u, summary);
        records.Message(index, offset, header->length, *msg, ctx);
      }
    }
    offset += header->length;
    ++index;
  }
  summary.bytes = offset;
  return summary;
}

}  // namespace bgpdemo::core
