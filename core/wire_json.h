// BGP messages and decode errors as JSON and as text, for `bgpdemo decode` and logs.
//
// The JSON shape is a public interface (scripts parse it): keys are lower_snake names,
// prefixes are "a.b.c.d/len" strings, AFI/SAFI are numbers beside a "family" name.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bgp/wire/message.h"

namespace bgpdemo::core {

nlohmann::json ToJson(const bgp::wire::Message& m, const bgp::wire::Context& ctx);
nlohmann::json ToJson(const bgp::wire::Error& e);
nlohmann::json ToJson(const bgp::wire::PathAttributes& a, const bgp::wire::Context& ctx);

// Serializes without throwing on invalid UTF-8 from a peer (it is replaced with U+FFFD).
std::string SafeDump(const nlohmann::json& j, int indent = -1);

// A few indented lines per message, for people.
std::string ToText(const bgp::wire::Message& m, const bgp::wire::Context& ctx);
std::string ToText(const bgp::wire::Error& e);

}  // namespace bgpdemo::core
