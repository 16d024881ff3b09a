#include "cli/decode_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/error.h"
#include "base/result.h"
#include "cli/exit_codes.h"
#include "core/decode.h"
#include "core/hex.h"

namespace bgpdemo::cli {

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

// Reads the whole input; raw BGP when it starts with the marker, else hex text.
Result<std::vector<std::uint8_t>, Error> ReadInput(const DecodeOptions& o, std::istream& in) {
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
    if (!f)
      return Fail(Error::Input(fmt::format("{}: cannot open: {}", o.file, std::strerror(errno))));
    text.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    if (f.bad()) return Fail(Error::Input(fmt::format("{}: read error", o.file)));
    source = o.file;
  }
  if (o.hex.empty() && !text.empty() && static_cast<unsigned char>(text[0]) == 0xff) {
    return std::vector<std::uint8_t>(text.begin(), text.end());
  }
  auto bytes = core::ParseHex(text);
  if (!bytes) {
    return Fail(Error::Input(
        fmt::format("{}: neither raw BGP (which starts with the 0xff marker) nor hex text: {}",
                    source, bytes.error())));
  }
  if (bytes->empty()) return Fail(Error::Input(fmt::format("{}: no bytes to decode", source)));
  return std::move(bytes).value();
}

core::DecodeSettings SettingsOf(const DecodeOptions& o) {
  core::DecodeSettings s;
  s.four_octet_as = o.as4;
  s.extended_message = o.extended_message;
  for (const auto& f : o.add_path) {
    if (f.rfind("ipv4", 0) == 0) s.add_path_ipv4 = true;
    if (f.rfind("ipv6", 0) == 0) s.add_path_ipv6 = true;
  }
  return s;
}

void PrintSummary(const DecodeOptions& o, const core::DecodeSummary& totals, double seconds,
                  std::ostream& out) {
  const double rate_div = seconds > 0 ? seconds : 1e-9;
  if (o.output == "json") {
    json j = {{"messages", totals.messages},
              {"by_type", totals.by_type},
              {"prefixes_announced", totals.announced},
              {"prefixes_withdrawn", totals.withdrawn},
              {"end_of_rib", totals.end_of_rib},
              {"errors", totals.errors},
              {"bytes", totals.bytes},
              {"seconds", seconds},
              {"messages_per_second", totals.messages / rate_div},
              {"prefixes_per_second", (totals.announced + totals.withdrawn) / rate_div}};
    out << j.dump(2) << '\n';
    return;
  }
  std::string types;
  for (const auto& [t, n] : totals.by_type) {
    types += fmt::format("{}{} {}", types.empty() ? "" : ", ", t, n);
  }
  fmt::print(out, "messages  {} ({})\n", totals.messages, types);
  fmt::print(out, "prefixes  {} announced, {} withdrawn, {} end-of-rib\n", totals.announced,
             totals.withdrawn, totals.end_of_rib);
  fmt::print(out, "errors    {}\n", totals.errors);
  fmt::print(out, "decoded   {} bytes in {:.6f} s: {:.1f} M prefixes/s, {:.0f} messages/s\n",
             totals.bytes, seconds, (totals.announced + totals.withdrawn) / rate_div / 1e6,
             totals.messages / rate_div);
}

}  // namespace

int RunDecode(const DecodeOptions& o, std::istream& in, std::ostream& out, std::ostream& err) {
  auto input = ReadInput(o, in);
  if (!input) {
    fmt::print(err, "bgpdemo decode: {}\n", input.error());
    return ExitCodeFor(input.error());
  }
  const bool json_output = o.output == "json";
  std::optional<core::DecodeFormat> format;
  if (!o.summary) format = json_output ? core::DecodeFormat::kJson : core::DecodeFormat::kText;
  // Records as one JSON array with an element per line, or as text.
  bool first = true;
  auto print = [&](std::string_view record) {
    if (json_output) {
      out << (first ? "\n" : ",\n") << record;
    } else {
      out << record << '\n';
    }
    first = false;
  };

  if (format && json_output) out << '[';
  const auto start = std::chrono::steady_clock::now();
  const auto totals = core::DecodeMessages(*input, SettingsOf(o), format, print);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (format && json_output) out << (first ? "]\n" : "\n]\n");
  if (o.summary) PrintSummary(o, totals, seconds, out);
  return totals.errors == 0 ? kExitOk : kExitFailed;
}

}  // namespace bgpdemo::cli
