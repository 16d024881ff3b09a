#include "cli/decode_command.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "bgp/wire/message.h"
#include "cli/exit_codes.h"
#include "core/hex.h"
#include "core/wire_json.h"

namespace bgpdemo::cli {

using namespace bgp::wire;
using bgp::wire::Error;  // not bgpdemo::Error (base/error.h, via cli/exit_codes.h)
using nlohmann::json;

CLI::App* AddDecodeCommand(CLI::App& app, DecodeOptions& o) {
  auto* cmd = app.add_subcommand(
      "decode",
      "Decode BGP messages (raw bytes, or hex text with any whitespace) and print each one");
  cmd->footer(
      "Input is raw BGP (it starts with the 0xff marker) or hex text; '#' starts a comment.\n"
      "Examples:\n"
      "  bgpdemo decode capture.bin\n"
      "  bgpdemo decode --hex 'ffffffffffffffffffffffffffffffff 0013 04'\n"
      "  bgpdemo decode --summary -o text table.bin");
  cmd->add_option("file", o.file, "File to read, or - for standard input")->capture_default_str();
  cmd->add_option("--hex", o.hex, "Decode this hex text instead of a file");
  cmd->add_flag("--as4,!--no-as4", o.as4,
                "The session negotiated 4-octet AS numbers (default), or did not");
  cmd->add_flag("--extended-message", o.extended_message,
                "Allow messages up to 65535 bytes (RFC 8654)");
  cmd->add_option("--add-path", o.add_path,
                  "Family whose NLRI carry ADD-PATH path identifiers: ipv4 or ipv6 (repeatable)")
      ->check(CLI::IsMember({"ipv4", "ipv6", "ipv4-unicast", "ipv6-unicast"}));
  cmd->add_option("-o,--output", o.output, "Output format")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  cmd->add_flag("--summary", o.summary,
                "Print only counts (messages by type, prefixes, errors) and the decode rate");
  return cmd;
}

namespace {

struct Totals {
  std::map<std::string, std::size_t> by_type;
  std::size_t messages = 0, announced = 0, withdrawn = 0, end_of_rib = 0, errors = 0;
};

std::string TypeName(std::uint8_t type) {
  switch (static_cast<MessageType>(type)) {
    case MessageType::kOpen: return "open";
    case MessageType::kUpdate: return "update";
    case MessageType::kNotification: return "notification";
    case MessageType::kKeepalive: return "keepalive";
    case MessageType::kRouteRefresh: return "route-refresh";
  }
  return fmt::format("type-{}", type);
}

// Reads the whole input; raw BGP when it starts with the marker, else hex text.
Result<std::vector<std::uint8_t>, std::string> ReadInput(const DecodeOptions& o,
                                                         std::istream& in) {
  std::string text;
  std::string source;
  if (!o.hex.empty()) {
    text = o.hex;
    source = "--hex";
  } else if (o.file == "-") {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    source = "standard input";
  } else {
    std::ifstream f(o.file, std::ios::binary);
    if (!f) return Fail(fmt::format("{}: cannot open: {}", o.file, std::strerror(errno)));
    text.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    if (f.bad()) return Fail(fmt::format("{}: read error", o.file));
    source = o.file;
  }
  if (o.hex.empty() && !text.empty() && static_cast<unsigned char>(text[0]) == 0xff) {
    return std::vector<std::uint8_t>(text.begin(), text.end());
  }
  auto bytes = core::ParseHex(text);
  if (!bytes) {
    return Fail(fmt::format("{}: neither raw BGP (which starts with the 0xff marker) nor hex "
                            "text: {}",
                            source, bytes.error()));
  }
  if (bytes->empty()) return Fail(fmt::format("{}: no bytes to decode", source));
  return std::move(bytes).value();
}

Context MakeContext(const DecodeOptions& o) {
  Context ctx;
  ctx.four_octet_as = o.as4;
  ctx.extended_message = o.extended_message;
  for (const auto& f : o.add_path) {
    if (f.rfind("ipv4", 0) == 0) ctx.add_path_ipv4 = true;
    if (f.rfind("ipv6", 0) == 0) ctx.add_path_ipv6 = true;
  }
  return ctx;
}

// Prints one record as a JSON array element or as text.
class Printer {
 public:
  Printer(const DecodeOptions& o, std::ostream& out) : json_(o.output == "json"), out_(out) {}
  void Begin() {
    if (json_) out_ << '[';
  }
  void Record(const json& j, const std::string& text) {
    if (json_) {
      out_ << (first_ ? "\n" : ",\n") << core::SafeDump(j);
    } else {
      out_ << text << '\n';
    }
    first_ = false;
  }
  void End() {
    if (json_) out_ << (first_ ? "]\n" : "\n]\n");
  }

 private:
  bool json_;
  bool first_ = true;
  std::ostream& out_;
};

}  // namespace

int RunDecode(const DecodeOptions& o, std::istream& in, std::ostream& out, std::ostream& err) {
  auto input = ReadInput(o, in);
  if (!input) {
    fmt::print(err, "bgpdemo decode: {}\n", input.error());
    return kExitInput;
  }
  const std::vector<std::uint8_t>& data = *input;
  const Context ctx = MakeContext(o);
  Totals totals;
  Printer printer(o, out);
  if (!o.summary) printer.Begin();

  auto report_error = [&](std::size_t index, std::size_t offset, std::optional<std::uint8_t> type,
                          const Error& e) {
    ++totals.errors;
    if (o.summary) return;
    json j = {{"index", index}, {"offset", offset}};
    if (type) j["type"] = TypeName(*type);
    j["error"] = core::ToJson(e);
    printer.Record(j, fmt::format("#{} {} at byte {}: {}", index,
                                  type ? TypeName(*type) : std::string("message"), offset,
                                  core::ToText(e)));
  };

  const auto start = std::chrono::steady_clock::now();
  Update scratch;  // the summary path decodes every UPDATE into one reused value
  std::size_t offset = 0;
  std::size_t index = 0;
  while (offset < data.size()) {
    const auto rest = std::span<const std::uint8_t>(data).subspan(offset);
    if (rest.size() < kHeaderSize) {
      report_error(index, offset, std::nullopt,
                   Error{NotifyCode::kMessageHeaderError,
                         static_cast<std::uint8_t>(HeaderSubcode::kBadMessageLength), {},
                         Action::kSessionReset, 0,
                         fmt::format("input ends with {} bytes, too few for a 19-byte header",
                                     rest.size())});
      break;
    }
    auto header = DecodeHeader(rest, ctx);
    if (!header) {
      // The stream cannot be resynchronised after a bad header: stop here.
      report_error(index, offset, std::nullopt, header.error());
      break;
    }
    const std::uint8_t type = static_cast<std::uint8_t>(header->type);
    if (rest.size() < header->length) {
      report_error(index, offset, type,
                   Error{NotifyCode::kMessageHeaderError,
                         static_cast<std::uint8_t>(HeaderSubcode::kBadMessageLength),
                         {rest[16], rest[17]}, Action::kSessionReset, 16,
                         fmt::format("header says {} bytes but the input ends after {}",
                                     header->length, rest.size())});
      break;
    }
    const auto bytes = rest.first(header->length);
    ++totals.messages;
    ++totals.by_type[TypeName(type)];

    if (o.summary && header->type == MessageType::kUpdate) {
      auto res = DecodeUpdate(bytes.subspan(kHeaderSize), ctx, scratch);
      if (!res || scratch.action != Action::kNone) {
        ++totals.errors;
      } else {
        totals.announced += scratch.AnnouncedCount();
        totals.withdrawn += scratch.WithdrawnCount();
        if (scratch.EndOfRib()) ++totals.end_of_rib;
      }
    } else {
      auto msg = DecodeMessage(bytes, ctx);
      if (!msg) {
        report_error(index, offset, type, msg.error());
      } else {
        if (const auto* u = std::get_if<Update>(&*msg)) {
          if (u->action != Action::kNone) {
            ++totals.errors;
          } else {
            totals.announced += u->AnnouncedCount();
            totals.withdrawn += u->WithdrawnCount();
            if (u->EndOfRib()) ++totals.end_of_rib;
          }
        }
        if (!o.summary) {
          json j = core::ToJson(*msg, ctx);
          json record = {{"index", index}, {"offset", offset}, {"length", header->length}};
          record.update(j);
          if (const auto* u = std::get_if<Update>(&*msg); u && u->action != Action::kNone) {
            // Still an error for the caller: say which one was strongest.
            for (const auto& p : u->problems) {
              if (p.action == u->action) {
                record["error"] = core::ToJson(p);
                break;
              }
            }
          }
          printer.Record(record, fmt::format("#{} at byte {}, {} bytes: {}", index, offset,
                                             header->length, core::ToText(*msg, ctx)));
        }
      }
    }
    offset += header->length;
    ++index;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (!o.summary) {
    printer.End();
  } else {
    const double rate_div = seconds > 0 ? seconds : 1e-9;
    if (o.output == "json") {
      json j = {{"messages", totals.messages},
                {"by_type", totals.by_type},
                {"prefixes_announced", totals.announced},
                {"prefixes_withdrawn", totals.withdrawn},
                {"end_of_rib", totals.end_of_rib},
                {"errors", totals.errors},
                {"bytes", offset},
                {"seconds", seconds},
                {"messages_per_second", totals.messages / rate_div},
                {"prefixes_per_second", (totals.announced + totals.withdrawn) / rate_div}};
      out << j.dump(2) << '\n';
    } else {
      std::string types;
      for (const auto& [t, n] : totals.by_type) {
        types += fmt::format("{}{} {}", types.empty() ? "" : ", ", t, n);
      }
      fmt::print(out, "messages  {} ({})\n", totals.messages, types);
      fmt::print(out, "prefixes  {} announced, {} withdrawn, {} end-of-rib\n", totals.announced,
                 totals.withdrawn, totals.end_of_rib);
      fmt::print(out, "errors    {}\n", totals.errors);
      fmt::print(out, "decoded   {} bytes in {:.6f} s: {:.1f} M prefixes/s, {:.0f} messages/s\n",
                 offset, seconds, (totals.announced + totals.withdrawn) / rate_div / 1e6,
                 totals.messages / rate_div);
    }
  }
  return totals.errors == 0 ? kExitOk : kExitFailed;
}

}  // namespace bgpdemo::cli
