// `bgpdemo decode` of captures: pcap/pcapng (core/capture/pcap.h) and MRT
// (core/capture/mrt.h) through a Decoder (core/decode.h), every message labelled with its
// time and endpoints.
//
// pcap: what each session negotiated is read from its OPENs when the capture has both
// (RFC 6793 4-octet AS, RFC 8654 extended messages, RFC 7911 ADD-PATH per direction:
// the sender's Send bit and the receiver's Receive bit); until then, and for sessions whose
// OPENs were not captured, the settings given on the command line hold.
// MRT: BGP4MP_MESSAGE reads 2-octet AS_PATHs and _AS4 4-octet ones (RFC 6396 §4.4.2-3),
// _ADDPATH subtypes path identifiers (RFC 8050 §3); TABLE_DUMP_V2 RIB entries are shown
// with their peer from the PEER_INDEX_TABLE and their attributes decoded.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/capture/input.h"
#include "core/decode.h"

namespace bgpdemo::core {

using capture::InputFormat;
using capture::ToString;

// What `bgpdemo decode` reads: a mapped file, standard input read in blocks, or --hex text
// parsed; inflated when compressed; its format told by its first bytes.
struct DecodeInput {
  capture::InputBytes raw;
  std::vector<std::uint8_t> decoded;  // inflated, or parsed from hex
  bool use_decoded = false;
  InputFormat format = InputFormat::kBgp;
  std::string source;  // for messages: the file name, "standard input", "--hex"

  std::span<const std::uint8_t> bytes() const {
    return use_decoded ? std::span<const std::uint8_t>(decoded) : raw.bytes();
  }
};

// `hex` when not empty, else `file` ("-": `in`). `format` is "auto" or one of bgp, hex,
// pcap, mrt, applied after inflating. Errors (kInput) name the source.
Result<DecodeInput, bgpdemo::Error> ReadDecodeInput(const std::string& hex, const std::string& file,
                                                    std::istream& in, const std::string& format);

// Decodes the input by its format: DecodeMessages, DecodePcap or DecodeMrt.
Result<DecodeSummary, bgpdemo::Error> DecodeAll(const DecodeInput& input, std::uint16_t port,
                                                const DecodeSettings& settings,
                                                std::optional<DecodeFormat> format,
                                                const DecodeSink& sink);

// Errors (kInput) are captures libpcap cannot read.
Result<DecodeSummary, bgpdemo::Error> DecodePcap(std::span<const std::uint8_t> bytes,
                                                 std::string_view name, std::uint16_t port,
                                                 const DecodeSettings& settings,
                                                 std::optional<DecodeFormat> format,
                                                 const DecodeSink& sink);

DecodeSummary DecodeMrt(std::span<const std::uint8_t> bytes, const DecodeSettings& settings,
                        std::optional<DecodeFormat> format, const DecodeSink& sink);

}  // namespace bgpdemo::core
