// Tests for bgp/policy/prefix_list: ge/le matching as FRR and BIRD define it, first match
// wins, implicit deny, and the parse errors.
#include "bgp/policy/prefix_list.h"

#include <doctest/doctest.h>

#include "tests/bgp/rib/rib_fixtures.h"

using namespace bgpdemo::bgp;
using namespace bgpdemo::bgp::policy;
using bgpdemo::test::P;

namespace {

PrefixListEntry E(std::string_view text) {
  auto e = ParsePrefixListEntry(text);
  REQUIRE_MESSAGE(e.has_value(), std::string(text));
  return *e;
}

}  // namespace

TEST_CASE("policy: prefix list entries match by network and length range") {
  struct Row {
    const char* entry;
    const char* prefix;
    bool matches;
  };
  const Row rows[] = {
      // No ge/le: the exact prefix only.
      {"10.0.0.0/8", "10.0.0.0/8", true},
      {"10.0.0.0/8", "10.1.0.0/16", false},
      {"10.0.0.0/8", "11.0.0.0/8", false},
      // le: from the entry's length up to le.
      {"10.0.0.0/8 le 24", "10.0.0.0/8", true},
      {"10.0.0.0/8 le 24", "10.1.2.0/24", true},
      {"10.0.0.0/8 le 24", "10.1.2.128/25", false},
      {"10.0.0.0/8 le 24", "11.1.2.0/24", false},
      // ge: from ge up to the family's maximum.
      {"10.0.0.0/8 ge 16", "10.0.0.0/8", false},
      {"10.0.0.0/8 ge 16", "10.1.0.0/16", true},
      {"10.0.0.0/8 ge 16", "10.1.2.3/32", true},
      // ge and le.
      {"10.1.0.0/16 ge 17 le 24", "10.1.0.0/16", false},
      {"10.1.0.0/16 ge 17 le 24", "10.1.128.0/17", true},
      {"10.1.0.0/16 ge 17 le 24", "10.1.5.0/24", true},
      {"10.1.0.0/16 ge 17 le 24", "10.1.5.0/25", false},
      {"10.1.0.0/16 ge 17 le 24", "10.2.5.0/24", false},
      // Non-octet boundaries.
      {"192.0.2.128/25 le 32", "192.0.2.200/32", true},
      {"192.0.2.128/25 le 32", "192.0.2.100/32", false},
      // Any.
      {"0.0.0.0/0 le 32", "203.0.113.0/24", true},
      {"0.0.0.0/0 le 32", "fd00::/8", false},  // another family
      // IPv6.
      {"fd00::/8 le 64", "fd00:1:2:3::/64", true},
      {"fd00::/8 le 64", "fd00:1:2:3::1/128", false},
      {"fd00::/8 le 64", "fe80::/64", false},
      {"::/0 ge 48 le 48", "2001:db8:1::/48", true},
  };
  for (const auto& row : rows) {
    CAPTURE(row.entry);
    CAPTURE(row.prefix);
    CHECK(E(row.entry).Matches(P(row.prefix)) == row.matches);
  }
  // The path identifier plays no part.
  wire::Prefix with_id = P("10.0.0.0/8");
  with_id.path_id = 9;
  CHECK(E("10.0.0.0/8").Matches(with_id));
}

TEST_CASE("policy: prefix list: first match decides, no match denies") {
  PrefixList list{
      {E("deny 10.1.0.0/16 le 32"), E("permit 10.0.0.0/8 le 24"), E("permit fd00::/8 le 64")}};
  CHECK(!list.Permits(P("10.1.2.0/24")));  // the deny comes first
  CHECK(list.Permits(P("10.2.2.0/24")));
  CHECK(!list.Permits(P("10.2.2.0/25")));  // nothing matches
  CHECK(!list.Permits(P("192.0.2.0/24")));
  CHECK(list.Permits(P("fd00:1::/48")));
  CHECK(!PrefixList{}.Permits(P("10.0.0.0/8")));
}

TEST_CASE("policy: prefix list entries parse and print back") {
  CHECK(E("10.0.0.0/8").ToString() == "permit 10.0.0.0/8");
  CHECK(E("  deny  10.0.0.0/8   ge 9 le 24 ").ToString() == "deny 10.0.0.0/8 ge 9 le 24");
  CHECK(E("permit fd00::/8 le 64").ToString() == "permit fd00::/8 le 64");
  auto list = ParsePrefixList({"permit 10.241.0.0/16 le 32", "10.242.0.0/16 le 32"});
  REQUIRE(list);
  CHECK(list->entries.size() == 2);
}

TEST_CASE("policy: prefix list parse errors name the value and what is valid") {
  struct Row {
    const char* text;
    const char* error;
  };
  const Row rows[] = {
      {"", "prefix list entry '' has no prefix; expected '[permit|deny] PREFIX [ge N] [le M]'"},
      {"permit",
       "prefix list entry 'permit' has no prefix; expected '[permit|deny] PREFIX [ge N] "
       "[le M]'"},
      {"10.0.0.1/8",
       "'10.0.0.1/8' is not a prefix with its host bits clear (like 10.0.0.0/8 or "
       "fd00::/8)"},
      {"10.0.0.0/8 ge",
       "unexpected 'ge' in prefix list entry '10.0.0.0/8 ge'; expected 'ge N' or "
       "'le M' after the prefix"},
      {"10.0.0.0/8 eq 9",
       "unexpected 'eq' in prefix list entry '10.0.0.0/8 eq 9'; expected "
       "'ge N' or 'le M' after the prefix"},
      {"10.0.0.0/8 le 33", "le '33' in '10.0.0.0/8 le 33' is not a length from 0 to 32"},
      {"10.0.0.0/8 ge x", "ge 'x' in '10.0.0.0/8 ge x' is not a length from 0 to 32"},
      {"10.0.0.0/8 le 9 le 10", "le given twice in '10.0.0.0/8 le 9 le 10'"},
      {"10.1.0.0/16 ge 8",
       "ge 8 is not longer than the prefix length 16 of 10.1.0.0/16; use a "
       "value from 17 to 32"},
      {"10.1.0.0/16 le 8",
       "le 8 is shorter than the prefix length 16 of 10.1.0.0/16; use a value "
       "from 16 to 32"},
      {"10.0.0.0/8 ge 24 le 16",
       "ge 24 is greater than le 16 in '10.0.0.0/8 ge 24 le 16'; no "
       "prefix could match"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    auto e = ParsePrefixListEntry(row.text);
    REQUIRE(!e);
    CHECK(e.error() == row.error);
  }
  auto list = ParsePrefixList({"10.0.0.0/8", "bogus"});
  REQUIRE(!list);
  CHECK(list.error() ==
        "prefix list entry 2: 'bogus' is not a prefix with its host bits clear (like 10.0.0.0/8 "
        "or fd00::/8)");
}
