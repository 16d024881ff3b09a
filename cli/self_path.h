// This program's own path: what the lab runs again (its daemon, router and speakers) and
// what the router image is made from. $BGPDEMO_SELF when set (tests), else /proc/self/exe
// resolved, else "bgpdemo".
#pragma once

#include <string>

namespace bgpdemo::cli {

std::string SelfPath();

}  // namespace bgpdemo::cli
