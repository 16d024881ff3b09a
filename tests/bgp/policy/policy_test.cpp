// Tests for bgp/policy/policy: RFC 8212 defaults, filters, max-prefix and its NOTIFICATION.
#include "bgp/policy/policy.h"

#include <doctest/doctest.h>

#include "bgp/wire/message.h"
#include "tests/bgp/rib/rib_fixtures.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp;
using namespace bgpdemo::bgp::policy;
using bgpdemo::test::Bytes;
using bgpdemo::test::Cat;
using bgpdemo::test::H;
using bgpdemo::test::P;

TEST_CASE("policy: RFC 8212: no policy denies eBGP both ways, accepts iBGP") {
  const PeerPolicyConfig none;
  CHECK(EffectiveImport(none, /*ibgp=*/false).filter == Filter::DenyAll());
  CHECK(EffectiveExport(none, false) == Filter::DenyAll());
  CHECK(EffectiveImport(none, /*ibgp=*/true).filter == Filter::AcceptAll());
  CHECK(EffectiveExport(none, true) == Filter::AcceptAll());
  CHECK(!EffectiveImport(none, false).filter.Permits(P("10.0.0.0/8")));

  PeerPolicyConfig configured;
  configured.import_filter = Filter::AcceptAll();
  configured.max_prefix = MaxPrefix{100, false};
  const auto import = EffectiveImport(configured, false);
  CHECK(import.filter == Filter::AcceptAll());
  CHECK(import.max_prefix == MaxPrefix{100, false});
  CHECK(EffectiveExport(configured, false) == Filter::DenyAll());  // export still unset
  // An explicit deny-all on iBGP is kept.
  configured.export_filter = Filter::DenyAll();
  CHECK(EffectiveExport(configured, true) == Filter::DenyAll());
}

TEST_CASE("policy: filters: deny-all, accept-all, prefix list") {
  const auto p = P("10.241.0.0/24");
  CHECK(!Filter::DenyAll().Permits(p));
  CHECK(Filter::AcceptAll().Permits(p));
  auto entry = ParsePrefixListEntry("10.241.0.0/16 le 24");
  REQUIRE(entry);
  const Filter list = Filter::Prefixes(PrefixList{{*entry}});
  CHECK(list.Permits(p));
  CHECK(!list.Permits(P("10.242.0.0/24")));
  CHECK(ToString(FilterKind::kDenyAll) == "deny-all");
  CHECK(ToString(FilterKind::kAcceptAll) == "accept-all");
  CHECK(ToString(FilterKind::kPrefixList) == "prefix-list");
}

TEST_CASE("policy: modes parse and print") {
  CHECK(ToString(Mode::kRouter) == "router");
  CHECK(ToString(Mode::kRouteServer) == "route-server");
  CHECK(*ParseMode("route-server") == Mode::kRouteServer);
  CHECK(*ParseMode("router") == Mode::kRouter);
  auto bad = ParseMode("rs");
  REQUIRE(!bad);
  CHECK(bad.error() == "mode 'rs' is not one of: router, route-server");
}

TEST_CASE("policy: max-prefix verdicts") {
  CHECK(CheckMaxPrefix(std::nullopt, 1'000'000) == MaxPrefixVerdict::kAccept);
  const MaxPrefix hard{3, true}, soft{3, false};
  CHECK(CheckMaxPrefix(hard, 2) == MaxPrefixVerdict::kAccept);  // the 3rd is fine
  CHECK(CheckMaxPrefix(hard, 3) == MaxPrefixVerdict::kTeardown);
  CHECK(CheckMaxPrefix(soft, 3) == MaxPrefixVerdict::kDiscard);
  CHECK(ToString(MaxPrefixVerdict::kTeardown) == "teardown");
}

TEST_CASE("policy: max-prefix NOTIFICATION is Cease 6/1 with AFI(2) SAFI(1) bound(4)") {
  const auto n = MaxPrefixNotification(wire::kIpv4Unicast, 100'000);
  CHECK(n.code == wire::NotifyCode::kCease);
  CHECK(n.subcode == 1);
  CHECK(n.data == H("0001 01 000186a0"));
  auto bytes = wire::EncodeMessage(wire::Message{n}, wire::Context{});
  REQUIRE(bytes);
  CHECK(*bytes == Cat({Bytes(16, 0xff), H("001c 03 0601 0001 01 000186a0")}));
  // And it decodes back as the same NOTIFICATION.
  auto decoded = wire::DecodeMessage(*bytes, wire::Context{});
  REQUIRE(decoded);
  CHECK(std::get<wire::Notification>(*decoded) == n);

  CHECK(MaxPrefixNotification(wire::kIpv6Unicast, 1).data == H("0002 01 00000001"));
}
