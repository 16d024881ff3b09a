#include "cli/verb.h"

#include <utility>

namespace bgpdemo::cli {

CLI::App* AddVerb(CLI::App& parent, std::string name, std::string description,
                  std::function<void(CLI::App&)> add_flags) {
  CLI::App* verb = parent.add_subcommand(std::move(name), std::move(description));
  // The verb owns the callback that refers to it, so the pointer lives as long as the call.
  verb->preparse_callback([verb, add = std::move(add_flags)](std::size_t) { add(*verb); });
  return verb;
}

}  // namespace bgpdemo::cli
