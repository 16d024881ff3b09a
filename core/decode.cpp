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

bgp::wire::Error LengthError(std::span<const std::uint8_t> rest, std::string message,
                             bool header_read) {
  bgp::wire::Error e{NotifyCode::kMessageHeaderError,
                     static_cast<std::uint8_t>(HeaderSubcode::kBadMessageLength),
                     {},
                     Action::kSessionReset,
                     0,
                     std::move(message)};
  if (header_read) {
    e.data = {rest[16], rest[17]};
    e.offset = 16;
  }
  return e;
}

}  // namespace

void AddLabel(const capture::MessageLabel& l, json& j) {
  if (l.time) j["time"] = l.time->ToString();
  if (!l.from.empty()) j["from"] = l.from;
  if (!l.to.empty()) j["to"] = l.to;
  if (l.from_as) j["from_as"] = *l.from_as;
  if (l.to_as) j["to_as"] = *l.to_as;
  if (l.frame) j["frame"] = *l.frame;
  if (l.offset) j["offset"] = *l.offset;
}

std::string LabelText(const capture::MessageLabel& l) {
  std::string s;
  if (l.time) s += l.time->ToString();
  if (!l.from.empty() || !l.to.empty()) {
    s += fmt::format("{}{}", s.empty() ? "" : " ", l.from);
    if (l.from_as) s += fmt::format(" (AS {})", *l.from_as);
    s += fmt::format(" > {}", l.to);
    if (l.to_as) s += fmt::format(" (AS {})", *l.to_as);
  }
  if (l.frame) s += fmt::format(" frame {}", *l.frame);
  if (l.offset) s += fmt::format(" at byte {}", *l.offset);
  return s;
}

Decoder::Decoder(const DecodeSettings& settings, std::optional<DecodeFormat> format,
                 const DecodeSink& sink)
    : ctx_(ContextOf(settings)), format_(format), sink_(sink) {}

DecodeSummary& Decoder::summary() {
  for (std::size_t t = 0; t < by_type_.size(); ++t) {
    if (by_type_[t] == 0) continue;
    summary_.by_type[TypeName(static_cast<std::uint8_t>(t))] += by_type_[t];
    by_type_[t] = 0;
  }
  return summary_;
}

void Decoder::Count(const Update& u) {
  if (u.action != Action::kNone) {
    ++summary_.errors;
    return;
  }
  summary_.announced += u.AnnouncedCount();
  summary_.withdrawn += u.WithdrawnCount();
  if (u.EndOfRib()) ++summary_.end_of_rib;
}

void Decoder::Error(std::size_t offset, std::optional<std::uint8_t> type, const bgp::wire::Error& e,
                    const capture::MessageLabel* label) {
  ++summary_.errors;
  const std::size_t index = index_++;
  if (!format_) return;
  if (format_ == DecodeFormat::kText) {
    const std::string where =
        label != nullptr ? LabelText(*label) : fmt::format("at byte {}", offset);
    sink_(fmt::format("#{} {} {}: {}", index, type ? TypeName(*type) : std::string("message"),
                      where, ToText(e)));
    return;
  }
  json j = {{"index", index}};
  if (label != nullptr) {
    AddLabel(*label, j);
  } else {
    j["offset"] = offset;
  }
  if (type) j["type"] = TypeName(*type);
  j["error"] = ToJson(e);
  sink_(SafeDump(j));
}

void Decoder::One(std::span<const std::uint8_t> bytes, std::uint8_t type, const Context& ctx,
                  std::size_t offset, const capture::MessageLabel* label) {
  ++summary_.messages;
  ++by_type_[type];
  if (!format_ && type == static_cast<std::uint8_t>(MessageType::kUpdate)) {
    auto res = DecodeUpdate(bytes.subspan(kHeaderSize), ctx, scratch_);
    if (!res) {
      ++summary_.errors;
    } else {
      Count(scratch_);
    }
    ++index_;
    return;
  }
  auto msg = DecodeMessage(bytes, ctx);
  if (!msg) {
    Error(offset, type, msg.error(), label);
    return;
  }
  if (const auto* u = std::get_if<Update>(&*msg)) Count(*u);
  const std::size_t index = index_++;
  if (!format_) return;
  if (format_ == DecodeFormat::kText) {
    const std::string where =
        label != nullptr ? LabelText(*label) : fmt::format("at byte {}", offset);
    sink_(fmt::format("#{} {}, {} bytes: {}", index, where, bytes.size(), ToText(*msg, ctx)));
    return;
  }
  json record = {{"index", index}};
  if (label != nullptr) {
    AddLabel(*label, record);
  } else {
    record["offset"] = offset;
  }
  record["length"] = bytes.size();
  record.update(ToJson(*msg, ctx));
  if (const auto* u = std::get_if<Update>(&*msg); u && u->action != Action::kNone) {
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

void Decoder::Stream(std::span<const std::uint8_t> data) {
  std::size_t offset = 0;
  while (offset < data.size()) {
    const auto rest = data.subspan(offset);
    if (rest.size() < kHeaderSize) {
      Error(offset, std::nullopt,
            LengthError(
                rest,
                fmt::format("input ends with {} bytes, too few for a 19-byte header", rest.size()),
                false),
            nullptr);
      break;
    }
    auto header = DecodeHeader(rest, ctx_);
    if (!header) {
      // The stream cannot be resynchronised after a bad header: stop here.
      Error(offset, std::nullopt, header.error(), nullptr);
      break;
    }
    const std::uint8_t type = static_cast<std::uint8_t>(header->type);
    if (rest.size() < header->length) {
      Error(offset, type,
            LengthError(rest,
                        fmt::format("header says {} bytes but the input ends after {}",
                                    header->length, rest.size()),
                        true),
            nullptr);
      break;
    }
    One(rest.first(header->length), type, ctx_, offset, nullptr);
    offset += header->length;
  }
  summary_.bytes += offset;
}

void Decoder::Message(std::span<const std::uint8_t> bytes, const Context& ctx,
                      const capture::MessageLabel& label) {
  summary_.bytes += bytes.size();
  if (bytes.size() < kHeaderSize) {
    Error(0, std::nullopt,
          LengthError(bytes, fmt::format("{} bytes, too few for a 19-byte header", bytes.size()),
                      false),
          &label);
    return;
  }
  auto header = DecodeHeader(bytes, ctx);
  if (!header) {
    Error(0, std::nullopt, header.error(), &label);
    return;
  }
  if (header->length != bytes.size()) {
    Error(0, static_cast<std::uint8_t>(header->type),
          LengthError(bytes,
                      fmt::format("header says {} bytes but the record holds {}", header->length,
                                  bytes.size()),
                      true),
          &label);
    return;
  }
  One(bytes, static_cast<std::uint8_t>(header->type), ctx, 0, &label);
}

void Decoder::Record(const capture::MessageLabel& label, json j, std::string_view text) {
  const std::size_t index = index_++;
  if (!format_) return;
  if (format_ == DecodeFormat::kText) {
    sink_(fmt::format("#{} {}: {}", index, LabelText(label), text));
    return;
  }
  json record = {{"index", index}};
  AddLabel(label, record);
  record.update(j);
  sink_(SafeDump(record));
}

DecodeSummary DecodeMessages(std::span<const std::uint8_t> data, const DecodeSettings& settings,
                             std::optional<DecodeFormat> format, const DecodeSink& sink) {
  Decoder d(settings, format, sink);
  d.Stream(data);
  return d.summary();
}

}  // namespace bgpdemo::core
