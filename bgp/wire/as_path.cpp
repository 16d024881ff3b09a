#include "bgp/wire/as_path.h"

#include <algorithm>

#include <fmt/format.h>

namespace bgpdemo::bgp::wire {

AsPath AsPath::Sequence(std::vector<std::uint32_t> asns) {
  AsPath p;
  if (!asns.empty()) p.segments.push_back({AsSegmentType::kSequence, std::move(asns)});
  return p;
}

std::size_t AsPath::PathLength() const {
  std::size_t n = 0;
  for (const auto& s : segments) {
    switch (s.type) {
      case AsSegmentType::kSequence: n += s.asns.size(); break;
      case AsSegmentType::kSet: n += 1; break;
      case AsSegmentType::kConfedSequence:
      case AsSegmentType::kConfedSet: break;
    }
  }
  return n;
}

std::optional<std::uint32_t> AsPath::FirstAs() const {
  if (segments.empty() || segments.front().type != AsSegmentType::kSequence ||
      segments.front().asns.empty()) {
    return std::nullopt;
  }
  return segments.front().asns.front();
}

bool AsPath::HasConfederation() const {
  return std::any_of(segments.begin(), segments.end(), [](const AsSegment& s) {
    return s.type == AsSegmentType::kConfedSequence || s.type == AsSegmentType::kConfedSet;
  });
}

bool AsPath::HasAsnAbove16Bits() const {
  for (const auto& s : segments) {
    for (auto a : s.asns) {
      if (a > 0xffff) return true;
    }
  }
  return false;
}

bool AsPath::Contains(std::uint32_t asn) const {
  for (const auto& s : segments) {
    if (std::find(s.asns.begin(), s.asns.end(), asn) != s.asns.end()) return true;
  }
  return false;
}

std::size_t AsPath::AsnCount() const {
  std::size_t n = 0;
  for (const auto& s : segments) n += s.asns.size();
  return n;
}

void AsPath::Prepend(std::uint32_t asn) {
  // A full leading sequence gets a new one in front, as §5.1.2 b) says it SHOULD, rather
  // than a 256th ASN that encoding would split off at the wrong end.
  if (segments.empty() || segments.front().type != AsSegmentType::kSequence ||
      segments.front().asns.size() >= kMaxSegmentAsns) {
    segments.insert(segments.begin(), AsSegment{AsSegmentType::kSequence, {asn}});
  } else {
    auto& asns = segments.front().asns;
    asns.insert(asns.begin(), asn);
  }
}

std::string AsPath::ToString() const {
  std::string out;
  for (const auto& s : segments) {
    if (!out.empty()) out += ' ';
    const char* open = "";
    const char* close = "";
    switch (s.type) {
      case AsSegmentType::kSequence: break;
      case AsSegmentType::kSet: open = "{"; close = "}"; break;
      case AsSegmentType::kConfedSequence: open = "("; close = ")"; break;
      case AsSegmentType::kConfedSet: open = "[";  close = "]"; break;
    }
    out += open;
    out += fmt::format("{}", fmt::join(s.asns, " "));
    out += close;
  }
  return out;
}

std::optional<AsPathProblem> DecodeAsPath(std::span<const std::uint8_t> value, bool four_octet,
                                          AsPath& out) {
  Reader r(value);
  const std::size_t width = four_octet ? 4 : 2;
  while (!r.empty()) {
    const std::size_t at = r.pos();
    std::uint8_t type = 0, count = 0;
    if (!r.U8(type) || !r.U8(count)) {
      return AsPathProblem{at, "AS_PATH segment header truncated: 1 byte left, need 2"};
    }
    if (type < 1 || type > 4) {
      return AsPathProblem{at, fmt::format("AS_PATH segment type {} is not 1 to 4", type)};
    }
    if (count == 0) {
      return AsPathProblem{at, "AS_PATH segment of length 0"};
    }
    if (r.remaining() < count * width) {
      return AsPathProblem{at, fmt::format("AS_PATH segment of {} ASNs needs {} bytes, {} left",
                                           count, count * width, r.remaining())};
    }
    AsSegment seg;
    seg.type = static_cast<AsSegmentType>(type);
    seg.asns.reserve(count);
    for (std::uint8_t i = 0; i < count; ++i) {
      std::uint32_t asn = 0;
      if (four_octet) {
        (void)r.U32(asn);
      } else {
        std::uint16_t a16 = 0;
        (void)r.U16(a16);
        asn = a16;
      }
      if (asn == 0) {
        return AsPathProblem{at, "AS_PATH contains AS 0 (RFC 7607)"};
      }
      seg.asns.push_back(asn);
    }
    out.segments.push_back(std::move(seg));
  }
  return std::nullopt;
}

void EncodeAsPath(const AsPath& path, bool four_octet, Writer& w) {
  for (const auto& s : path.segments) {
    // A segment of length 0 is malformed to the receiver (RFC 7606 §7.2): never send one.
    if (s.asns.empty()) continue;
    std::size_t i = 0;
    do {
      const std::size_t n = std::min(kMaxSegmentAsns, s.asns.size() - i);
      w.U8(static_cast<std::uint8_t>(s.type));
      w.U8(static_cast<std::uint8_t>(n));
      for (std::size_t k = 0; k < n; ++k) {
        const std::uint32_t asn = s.asns[i + k];
        if (four_octet) {
          w.U32(asn);
        } else {
          w.U16(asn > 0xffff ? kAsTrans : static_cast<std::uint16_t>(asn));
        }
      }
      i += n;
    } while (i < s.asns.size());
  }
}

AsPath As4PathFor(const AsPath& path) {
  AsPath out;
  for (const auto& s : path.segments) {
    if (s.type == AsSegmentType::kSequence || s.type == AsSegmentType::kSet) {
      out.segments.push_back(s);
    }
  }
  return out;
}

AsPath MergeAs4Path(const AsPath& as_path, const AsPath& as4_path) {
  const std::size_t n = as_path.PathLength();
  const std::size_t n4 = as4_path.PathLength();
  if (n < n4) return as_path;  // §4.2.3: ignore AS4_PATH
  // Keep the leading (n - n4) ASNs of AS_PATH, then all of AS4_PATH.
  std::size_t keep = n - n4;
  AsPath out;
  for (const auto& s : as_path.segments) {
    // A confederation segment counts 0 and is kept when it leads the path or follows a kept
    // segment (§4.2.3), even once no ASN is left to take.
    if (s.type == AsSegmentType::kConfedSequence || s.type == AsSegmentType::kConfedSet) {
      out.segments.push_back(s);
      continue;
    }
    if (keep == 0) break;
    if (s.type == AsSegmentType::kSet) {
      out.segments.push_back(s);
      --keep;
      continue;
    }
    AsSegment part{s.type, {}};
    const std::size_t take = std::min(keep, s.asns.size());
    part.asns.assign(s.asns.begin(), s.asns.begin() + static_cast<std::ptrdiff_t>(take));
    keep -= take;
    out.segments.push_back(std::move(part));
  }
  for (const auto& s : as4_path.segments) {
    if (!out.segments.empty() && s.type == AsSegmentType::kSequence &&
        out.segments.back().type == AsSegmentType::kSequence) {
      auto& back = out.segments.back().asns;
      back.insert(back.end(), s.asns.begin(), s.asns.end());
    } else {
      out.segments.push_back(s);
    }
  }
  return out;
}

}  // namespace bgpdemo::bgp::wire
