#include "cli/decode_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "base/error.h"
#include "base/result.h"
#include "cli/exit_codes.h"
#include "cli/verb.h"
#include "core/decode.h"
#include "core/decode_capture.h"

namespace bgpdemo::cli {

using nlohmann::json;

namespace {

void AddDecodeFlags(CLI::App& cmd, DecodeOptions& o) {
  cmd.footer(
      "Input is told by its first bytes: raw BGP (the 0xff marker), pcap or pcapng (TCP port\n"
      "179, streams reassembled), MRT (RFC 6396: BGP4MP, TABLE_DUMP_V2), gzip or bzip2 of any\n"
      "of these, else hex text ('#' starts a comment).\n"
      "Examples:\n"
      "  bgpdemo decode capture.bin\n"
      "  bgpdemo decode -o text session.pcapng\n"
      "  bgpdemo decode --summary -o text updates.20261203.0000.bz2\n"
      "  bgpdemo decode --hex 'ffffffffffffffffffffffffffffffff 0013 04'");
  cmd.add_option("file", o.file, "File to read, or - for standard input")->capture_default_str();
  cmd.add_option("--hex", o.hex, "Decode this hex text instead of a file");
  cmd.add_flag("--as4,!--no-as4", o.as4,
               "The session negotiated 4-octet AS numbers (default), or did not");
  cmd.add_flag("--extended-message", o.extended_message,
               "Allow messages up to 65535 bytes (RFC 8654)");
  cmd.add_option("--add-path", o.add_path,
                 "Family whose NLRI carry ADD-PATH path identifiers: ipv4 or ipv6 (repeatable)")
      ->check(CLI::IsMember({"ipv4", "ipv6", "ipv4-unicast", "ipv6-unicast"}));
  cmd.add_option("-o,--output", o.output, "Output format")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  cmd.add_flag("--summary", o.summary,
               "Print only counts (messages by type, prefixes, errors) and the decode rate");
  cmd.add_option("--format", o.format, "Input format, instead of telling it by the first bytes")
      ->check(CLI::IsMember({"auto", "bgp", "hex", "pcap", "mrt"}))
      ->capture_default_str();
  cmd.add_option("--port", o.port, "pcap: the TCP port of the BGP sessions")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
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
                  core::InputFormat format, std::ostream& out) {
  const bool is_capture = format == core::InputFormat::kMrt || format == core::InputFormat::kPcap ||
                          format == core::InputFormat::kPcapng;
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
    if (is_capture) {
      j["format"] = core::ToString(format);
      j["rib_prefixes"] = totals.rib_prefixes;
      j["rib_entries"] = totals.rib_entries;
      j["state_changes"] = totals.state_changes;
      j["skipped"] = totals.skipped;
    }
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
  if (is_capture) {
    std::string skipped;
    for (const auto& [kind, n] : totals.skipped) {
      skipped += fmt::format("{}{} {}", skipped.empty() ? "" : ", ", kind, n);
    }
    fmt::print(out, "format    {}\n", core::ToString(format));
    fmt::print(out, "rib       {} prefixes, {} entries\n", totals.rib_prefixes, totals.rib_entries);
    fmt::print(out, "states    {} changes\n", totals.state_changes);
    fmt::print(out, "skipped   {}\n", skipped.empty() ? "nothing" : skipped);
  }
  fmt::print(out, "errors    {}\n", totals.errors);
  fmt::print(out, "decoded   {} bytes in {:.6f} s: {:.1f} M prefixes/s, {:.0f} messages/s\n",
             totals.bytes, seconds, (totals.announced + totals.withdrawn) / rate_div / 1e6,
             totals.messages / rate_div);
}

}  // namespace

CLI::App* AddDecodeCommand(CLI::App& app, DecodeOptions& o) {
  return AddVerb(app, "decode",
                 "Decode BGP messages (raw bytes, hex text, pcap/pcapng captures, MRT dumps) and "
                 "print each one",
                 [&o](CLI::App& cmd) { AddDecodeFlags(cmd, o); });
}

int RunDecode(const DecodeOptions& o, std::istream& in, std::ostream& out, std::ostream& err) {
  auto input = core::ReadDecodeInput(o.hex, o.file, in, o.format);
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
  auto decoded =
      core::DecodeAll(*input, static_cast<std::uint16_t>(o.port), SettingsOf(o), format, print);
  if (!decoded) {
    if (format && json_output) out << "]\n";
    fmt::print(err, "bgpdemo decode: {}\n", decoded.error());
    return ExitCodeFor(decoded.error());
  }
  const core::DecodeSummary& totals = *decoded;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (format && json_output) out << (first ? "]\n" : "\n]\n");
  if (o.summary) PrintSummary(o, totals, seconds, input->format, out);
  return totals.errors == 0 ? kExitOk : kExitFailed;
}

}  // namespace bgpdemo::cli
