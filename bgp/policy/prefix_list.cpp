#include "bgp/policy/prefix_list.h"

#include <fmt/format.h>

#include <charconv>

namespace bgpdemo::bgp::policy {
namespace {

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// True when p's first `bits` bits equal net's.
bool SameNetwork(const wire::Prefix& p, const wire::Prefix& net, unsigned bits) {
  for (unsigned byte = 0; byte < bits / 8; ++byte) {
    if (p.addr[byte] != net.addr[byte]) return false;
  }
  if (bits % 8 != 0) {
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits % 8));
    if ((p.addr[bits / 8] & mask) != (net.addr[bits / 8] & mask)) return false;
  }
  return true;
}

}  // namespace

std::string_view ToString(ListAction a) {
  return a == ListAction::kPermit ? "permit" : "deny";
}

bool PrefixListEntry::Matches(const wire::Prefix& p) const {
  if (p.afi != prefix.afi || p.length < prefix.length) return false;
  std::uint8_t lo = prefix.length, hi = prefix.length;
  if (ge || le) {
    lo = ge.value_or(prefix.length);
    hi = le.value_or(prefix.MaxLength());
  }
  if (p.length < lo || p.length > hi) return false;
  return SameNetwork(p, prefix, prefix.length);
}

std::string PrefixListEntry::ToString() const {
  std::string s = fmt::format("{} {}", policy::ToString(action), prefix.ToString());
  if (ge) s += fmt::format(" ge {}", *ge);
  if (le) s += fmt::format(" le {}", *le);
  return s;
}

Result<PrefixListEntry, std::string> ParsePrefixListEntry(std::string_view text) {
  const auto words = Words(text);
  PrefixListEntry e;
  std::size_t i = 0;
  if (i < words.size() && (words[i] == "permit" || words[i] == "deny")) {
    e.action = words[i] == "permit" ? ListAction::kPermit : ListAction::kDeny;
    ++i;
  }
  if (i >= words.size()) {
    return Fail(
        fmt::format("prefix list entry '{}' has no prefix; expected "
                    "'[permit|deny] PREFIX [ge N] [le M]'",
                    text));
  }
  auto prefix = wire::Prefix::Parse(words[i]);
  if (!prefix) {
    return Fail(
        fmt::format("'{}' is not a prefix with its host bits clear (like 10.0.0.0/8 or "
                    "fd00::/8)",
                    words[i]));
  }
  e.prefix = *prefix;
  ++i;
  while (i < words.size()) {
    const std::string_view key = words[i];
    if ((key != "ge" && key != "le") || i + 1 >= words.size()) {
      return Fail(
          fmt::format("unexpected '{}' in prefix list entry '{}'; expected 'ge N' or "
                      "'le M' after the prefix",
                      key, text));
    }
    const std::string_view num = words[i + 1];
    unsigned v = 0;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec != std::errc() || end != num.data() + num.size() || v > e.prefix.MaxLength()) {
      return Fail(fmt::format("{} '{}' in '{}' is not a length from 0 to {}", key, num, text,
                              e.prefix.MaxLength()));
    }
    auto& slot = key == "ge" ? e.ge : e.le;
    if (slot) return Fail(fmt::format("{} given twice in '{}'", key, text));
    slot = static_cast<std::uint8_t>(v);
    i += 2;
  }
  // FRR: len < ge <= le <= max.
  if (e.ge && *e.ge <= e.prefix.length) {
    return Fail(fmt::format(
        "ge {} is not longer than the prefix length {} of {}; use a value "
        "from {} to {}",
        *e.ge, e.prefix.length, e.prefix.ToString(), e.prefix.length + 1, e.prefix.MaxLength()));
  }
  if (e.le && *e.le < e.prefix.length) {
    return Fail(fmt::format(
        "le {} is shorter than the prefix length {} of {}; use a value from "
        "{} to {}",
        *e.le, e.prefix.length, e.prefix.ToString(), e.prefix.length, e.prefix.MaxLength()));
  }
  if (e.ge && e.le && *e.ge > *e.le) {
    return Fail(fmt::format("ge {} is greater than le {} in '{}'; no prefix could match", *e.ge,
                            *e.le, text));
  }
  return e;
}

bool PrefixList::Permits(const wire::Prefix& p) const {
  for (const auto& e : entries) {
    if (e.Matches(p)) return e.action == ListAction::kPermit;
  }
  return false;
}

Result<PrefixList, std::string> ParsePrefixList(const std::vector<std::string>& lines) {
  PrefixList list;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto e = ParsePrefixListEntry(lines[i]);
    if (!e) return Fail(fmt::format("prefix list entry {}: {}", i + 1, e.error()));
    list.entries.push_back(*e);
  }
  return list;
}

}  // namespace bgpdemo::bgp::policy
