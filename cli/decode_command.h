// `bgpdemo decode`: prints BGP messages from raw bytes, hex text, pcap/pcapng captures of
// TCP port 179 and MRT files (RFC 6396), gzip or bzip2 compressed or not.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace bgpdemo::cli {

struct DecodeOptions {
  std::string file = "-";  // "-" is standard input
  std::string hex;         // --hex TEXT, instead of a file
  bool as4 = true;
  bool extended_message = false;
  std::vector<std::string> add_path;  // families with ADD-PATH path identifiers
  std::string output = "json";        // json | text
  bool summary = false;
  std::string format = "auto";  // auto | bgp | hex | pcap | mrt
  int port = 179;               // pcap: the BGP port
};

// Adds the verb to app, its flags made when it is run (cli/verb.h); returns it.
CLI::App* AddDecodeCommand(CLI::App& app, DecodeOptions& opts);

int RunDecode(const DecodeOptions& opts, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace bgpdemo::cli
