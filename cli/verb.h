// A verb of the command line whose flags are made only when it is run. Making every verb's
// options, validators and subcommands cost each run of bgpdemo about a millisecond (issue
// #13), nearly all of it for verbs the run did not name. The verb itself, with its
// description, is made at once, so that `bgpdemo --help` lists it and CLI11 finds it.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace bgpdemo::cli {

// Adds the verb `name` to `parent`. CLI11 calls `add_flags` with it once, when the verb is
// on the command line, before it parses the verb's arguments (its pre-parse callback); so
// `bgpdemo VERB --help` shows every flag. What add_flags stores (a nested subcommand's
// pointer) stays unset when the verb is not run. Returns the verb, owned by `parent`.
CLI::App* AddVerb(CLI::App& parent, std::string name, std::string description,
                  std::function<void(CLI::App&)> add_flags);

}  // namespace bgpdemo::cli
