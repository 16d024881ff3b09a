#include "core/decode_capture.h"

#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "bgp/wire/attributes.h"
#include "bgp/wire/message.h"
#include "core/capture/mrt.h"
#include "core/capture/pcap.h"
#include "core/hex.h"
#include "core/wire_json.h"

namespace bgpdemo::core {

using namespace bgp::wire;
using capture::Endpoint;
using capture::MessageLabel;
using capture::StreamEvent;
using nlohmann::json;

namespace {

bool AddPathBit(const Open& o, Family f, std::uint8_t bit) {
  const auto* cap = o.Find<AddPathCap>();
  if (cap == nullptr) return false;
  for (const auto& e : cap->entries) {
    if (e.family == f && (e.send_receive & bit) != 0) return true;
  }
  return false;
}

// The OPENs of each connection, by its two endpoints in order.
class PcapDecoder {
 public:
  explicit PcapDecoder(Decoder& d) : d_(d) {}

  void Event(const StreamEvent& e) {
    MessageLabel label;
    label.time = e.time;
    label.from = e.src.ToString();
    label.to = e.dst.ToString();
    label.frame = e.frame;
    switch (e.kind) {
      case StreamEvent::Kind::kMessage:
        MessageEvent(e, label);
        return;
      case StreamEvent::Kind::kSkipped:
        Note(label, "resync", e.count,
             fmt::format("skipped {} bytes that do not start a BGP message, up to the next "
                         "marker",
                         e.count));
        return;
      case StreamEvent::Kind::kGap:
        Note(label, "gap", e.count,
             fmt::format("{} bytes of the stream are missing from the capture", e.count));
        return;
      case StreamEvent::Kind::kTruncated:
        Note(label, "truncated", e.count,
             fmt::format("the capture ends {} bytes into a message", e.count));
        return;
    }
  }

 private:
  struct Opens {
    std::optional<Open> low;   // sent by the lower endpoint
    std::optional<Open> high;  // by the higher
  };

  void Note(const MessageLabel& label, const std::string& kind, std::size_t bytes,
            const std::string& text) {
    d_.Skip(kind);
    d_.Record(label, {{"note", kind}, {"bytes", bytes}, {"message", text}}, text);
  }

  void MessageEvent(const StreamEvent& e, const MessageLabel& label) {
    const bool low = e.src < e.dst;
    auto key = low ? std::make_pair(e.src, e.dst) : std::make_pair(e.dst, e.src);
    Context ctx = d_.context();
    if (auto it = opens_.find(key); it != opens_.end()) {
      const auto& sender = low ? it->second.low : it->second.high;
      const auto& receiver = low ? it->second.high : it->second.low;
      if (sender && receiver) {
        ctx.four_octet_as = sender->Find<FourOctetAsCap>() != nullptr &&
                            receiver->Find<FourOctetAsCap>() != nullptr;
        ctx.extended_message = sender->Find<ExtendedMessageCap>() != nullptr &&
                               receiver->Find<ExtendedMessageCap>() != nullptr;
        ctx.add_path_ipv4 = AddPathBit(*sender, kIpv4Unicast, AddPathCap::kSend) &&
                            AddPathBit(*receiver, kIpv4Unicast, AddPathCap::kReceive);
        ctx.add_path_ipv6 = AddPathBit(*sender, kIpv6Unicast, AddPathCap::kSend) &&
                            AddPathBit(*receiver, kIpv6Unicast, AddPathCap::kReceive);
      }
    }
    d_.Message(e.bytes, ctx, label);
    if (e.bytes.size() > kHeaderSize &&
        e.bytes[18] == static_cast<std::uint8_t>(MessageType::kOpen)) {
      if (auto m = DecodeMessage(e.bytes, ctx); m && std::holds_alternative<Open>(*m)) {
        auto& o = opens_[key];
        (low ? o.low : o.high) = std::get<Open>(std::move(*m));
      }
    }
  }

  Decoder& d_;
  std::map<std::pair<Endpoint, Endpoint>, Opens> opens_;
};

// TABLE_DUMP_V2 and BGP4MP records into the decoder's records and counts.
class MrtDecoder : public capture::MrtVisitor {
 public:
  explicit MrtDecoder(Decoder& d) : d_(d) {}

  void Message(const capture::MrtMessage& m) override {
    MessageLabel label = Label(m.header, m.peers, m.local);
    Context ctx = d_.context();
    ctx.four_octet_as = m.as4;
    ctx.extended_message = true;  // a collector keeps what the session allowed
    ctx.add_path_ipv4 = ctx.add_path_ipv6 = m.add_path;
    d_.Message(m.message, ctx, label);
  }

  void StateChange(const capture::MrtStateChange& s) override {
    ++d_.summary().state_changes;
    const std::string_view from = capture::MrtStateName(s.old_state);
    const std::string_view to = capture::MrtStateName(s.new_state);
    d_.Record(Label(s.header, s.peers, false),
              {{"type", "state_change"},
               {"old_state", from},
               {"new_state", to},
               {"old_state_code", s.old_state},
               {"new_state_code", s.new_state}},
              fmt::format("STATE_CHANGE {} -> {}", from, to));
  }

  void PeerIndex(const capture::MrtPeerIndex& p) override {
    peers_ = p.peers;
    json list = json::array();
    std::string text =
        fmt::format("PEER_INDEX_TABLE collector {} view \"{}\", {} peers",
                    IpAddress::V4(p.collector_id).ToString(), p.view_name, p.peers.size());
    for (std::size_t i = 0; i < p.peers.size(); ++i) {
      const auto& peer = p.peers[i];
      list.push_back({{"index", i},
                      {"bgp_id", IpAddress::V4(peer.bgp_id).ToString()},
                      {"ip", peer.ip.ToString()},
                      {"as", peer.as}});
      text += fmt::format("\n  peer {}: {} AS {} id {}", i, peer.ip.ToString(), peer.as,
                          IpAddress::V4(peer.bgp_id).ToString());
    }
    d_.Record(HeaderLabel(p.header),
              {{"type", "peer_index_table"},
               {"collector_id", IpAddress::V4(p.collector_id).ToString()},
               {"view_name", p.view_name},
               {"peers", list}},
              text);
  }

  void Rib(const capture::MrtRib& r) override {
    auto& summary = d_.summary();
    ++summary.rib_prefixes;
    summary.rib_entries += r.entries.size();
    Context ctx = d_.context();
    ctx.four_octet_as = true;  // RFC 6396 §4.3.4
    json entries = json::array();
    std::string text = fmt::format("RIB {} (sequence {}), {} entries", r.prefix.ToString(),
                                   r.sequence, r.entries.size());
    for (const auto& e : r.entries) {
      const auto attrs = capture::RibAttributes(e.attributes, r.prefix.afi);
      attrs_ = PathAttributes{};
      problems_.clear();
      auto res = DecodeAttributes(attrs, 0, ctx, attrs_, problems_);
      const bool bad = !res || !problems_.empty();
      if (bad) ++summary.errors;
      if (!d_.records()) continue;
      json entry = {{"peer_index", e.peer_index},
                    {"originated", capture::Timestamp{e.originated, 0, 0}.ToString()}};
      std::string who = fmt::format("peer index {}", e.peer_index);
      if (e.peer_index < peers_.size()) {
        const auto& peer = peers_[e.peer_index];
        entry["peer_ip"] = peer.ip.ToString();
        entry["peer_as"] = peer.as;
        who = fmt::format("peer {} AS {}", peer.ip.ToString(), peer.as);
      } else {
        entry["error"] = {{"message", "peer index not in the PEER_INDEX_TABLE"}};
        ++summary.errors;
      }
      if (r.add_path) entry["path_id"] = e.path_id;
      entry["attributes"] = ToJson(attrs_, ctx);
      text += fmt::format("\n  {} originated {}:", who, entry["originated"].get<std::string>());
      for (const auto& [k, v] : entry["attributes"].items()) {
        text += fmt::format("\n    {}: {}", k, v.is_string() ? v.get<std::string>() : SafeDump(v));
      }
      if (!res) {
        entry["error"] = ToJson(res.error());
        text += fmt::format("\n    error: {}", ToText(res.error()));
      } else if (!problems_.empty()) {
        entry["error"] = ToJson(problems_.front());
        text += fmt::format("\n    error: {}", ToText(problems_.front()));
      }
      entries.push_back(std::move(entry));
    }
    if (!d_.records()) return;
    json record = {{"type", "rib"},
                   {"prefix", r.prefix.ToString()},
                   {"sequence", r.sequence},
                   {"entries", std::move(entries)}};
    d_.Record(HeaderLabel(r.header), std::move(record), text);
  }

  void Problem(const capture::MrtProblem& p) override {
    if (p.skipped) {
      // Count every one, show the first of each kind: a TABLE_DUMP v1 file would
      // otherwise print a line per route.
      const std::string kind = fmt::format("mrt-{}-{}", p.header.type, p.header.subtype);
      d_.Skip(kind);
      if (!shown_.insert(kind).second) return;
      d_.Record(HeaderLabel(p.header),
                {{"note", "skipped"},
                 {"mrt_type", p.header.type},
                 {"mrt_subtype", p.header.subtype},
                 {"message", p.message + " (the first of its kind; all are counted)"}},
                p.message);
      return;
    }
    ++d_.summary().errors;
    d_.Record(HeaderLabel(p.header),
              {{"mrt_type", p.header.type},
               {"mrt_subtype", p.header.subtype},
               {"error", {{"message", p.message}}}},
              "error: " + p.message);
  }

 private:
  static MessageLabel HeaderLabel(const capture::MrtHeader& h) {
    MessageLabel l;
    l.time = h.time;
    l.offset = h.offset;
    return l;
  }
  static MessageLabel Label(const capture::MrtHeader& h, const capture::MrtPeers& p, bool local) {
    MessageLabel l = HeaderLabel(h);
    l.from = p.peer_ip.ToString();
    l.to = p.local_ip.ToString();
    l.from_as = p.peer_as;
    l.to_as = p.local_as;
    if (local) {  // RFC 6396 §4.4.3: sent by the local side to the peer
      std::swap(l.from, l.to);
      std::swap(l.from_as, l.to_as);
    }
    return l;
  }

  Decoder& d_;
  std::vector<capture::MrtPeer> peers_;
  std::set<std::string> shown_;
  PathAttributes attrs_;  // reused for every RIB entry
  std::vector<bgp::wire::Error> problems_;
};

Result<std::vector<std::uint8_t>, bgpdemo::Error> FromHex(std::span<const std::uint8_t> text,
                                                          const std::string& source) {
  auto bytes =
      core::ParseHex(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()));
  if (!bytes) {
    return Fail(bgpdemo::Error::Input(fmt::format(
        "{}: not raw BGP (which starts with the 0xff marker), pcap, pcapng or MRT, nor hex "
        "text: {}",
        source, bytes.error())));
  }
  return std::move(bytes).value();
}

std::optional<InputFormat> Forced(const std::string& f) {
  if (f == "bgp") return InputFormat::kBgp;
  if (f == "hex") return InputFormat::kHex;
  if (f == "mrt") return InputFormat::kMrt;
  if (f == "pcap") return InputFormat::kPcap;  // libpcap tells pcap from pcapng
  return std::nullopt;
}

}  // namespace

Result<DecodeInput, bgpdemo::Error> ReadDecodeInput(const std::string& hex, const std::string& file,
                                                    std::istream& in, const std::string& format) {
  DecodeInput input;
  if (!hex.empty()) {
    input.source = "--hex";
    auto bytes =
        FromHex({reinterpret_cast<const std::uint8_t*>(hex.data()), hex.size()}, input.source);
    if (!bytes) return Fail(bytes.error());
    input.decoded = std::move(bytes).value();
    input.use_decoded = true;
  } else {
    input.source = file == "-" ? "standard input" : file;
    // The process's own standard input is read by its descriptor (a file redirected with
    // `<` is mapped like a named one); another stream, as tests pass, through the stream.
    auto raw = file != "-"        ? capture::InputBytes::ReadFile(file)
               : &in == &std::cin ? capture::InputBytes::ReadFd(STDIN_FILENO, input.source)
                                  : capture::InputBytes::ReadStream(in, input.source);
    if (!raw) return Fail(raw.error());
    input.raw = std::move(raw).value();
    input.format = capture::DetectFormat(input.raw.bytes());
    if (input.format == InputFormat::kGzip || input.format == InputFormat::kBzip2) {
      auto inflated = capture::Decompress(input.raw.bytes(), input.format, input.source);
      if (!inflated) return Fail(inflated.error());
      input.decoded = std::move(inflated).value();
      input.use_decoded = true;
      input.format = capture::DetectFormat(input.decoded);
    }
    if (auto forced = Forced(format)) input.format = *forced;
    if (input.format == InputFormat::kHex) {
      auto bytes = FromHex(input.bytes(), input.source);
      if (!bytes) return Fail(bytes.error());
      input.decoded = std::move(bytes).value();
      input.use_decoded = true;
      input.format = InputFormat::kBgp;
    }
  }
  if (input.bytes().empty()) {
    return Fail(bgpdemo::Error::Input(fmt::format("{}: no bytes to decode", input.source)));
  }
  return input;
}

Result<DecodeSummary, bgpdemo::Error> DecodeAll(const DecodeInput& input, std::uint16_t port,
                                                const DecodeSettings& settings,
                                                std::optional<DecodeFormat> format,
                                                const DecodeSink& sink) {
  switch (input.format) {
    case InputFormat::kPcap:
    case InputFormat::kPcapng:
      return DecodePcap(input.bytes(), input.source, port, settings, format, sink);
    case InputFormat::kMrt:
      return DecodeMrt(input.bytes(), settings, format, sink);
    default:
      return DecodeMessages(input.bytes(), settings, format, sink);
  }
}

Result<DecodeSummary, bgpdemo::Error> DecodePcap(std::span<const std::uint8_t> bytes,
                                                 std::string_view name, std::uint16_t port,
                                                 const DecodeSettings& settings,
                                                 std::optional<DecodeFormat> format,
                                                 const DecodeSink& sink) {
  Decoder d(settings, format, sink);
  PcapDecoder pcap(d);
  auto stats = capture::ReadPcap(bytes, name, port, [&](const StreamEvent& e) { pcap.Event(e); });
  if (!stats) return Fail(stats.error());
  return d.summary();
}

DecodeSummary DecodeMrt(std::span<const std::uint8_t> bytes, const DecodeSettings& settings,
                        std::optional<DecodeFormat> format, const DecodeSink& sink) {
  Decoder d(settings, format, sink);
  MrtDecoder mrt(d);
  const std::size_t read = capture::ReadMrt(bytes, mrt);
  auto summary = d.summary();
  summary.bytes = read;
  return summary;
}

}  // namespace bgpdemo::core
