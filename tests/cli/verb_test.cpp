// A verb's flags are made only when the verb is run (cli/verb.h), and its help shows them.
#include "cli/verb.h"

#include <doctest/doctest.h>

#include <string>

namespace bgpdemo::cli {
namespace {

struct TwoVerbs {
  CLI::App app{"two verbs", "prog"};
  std::string x;
  int thing_made = 0;
  int other_made = 0;
  CLI::App* thing = AddVerb(app, "thing", "Does a thing", [this](CLI::App& cmd) {
    ++thing_made;
    cmd.add_option("--x", x, "An x");
  });
  CLI::App* other = AddVerb(app, "other", "Does another", [this](CLI::App&) { ++other_made; });
};

}  // namespace

TEST_CASE("cli verb: flags are made for the verb that runs, once, and parsed") {
  TwoVerbs t;
  CHECK(t.thing_made == 0);
  CHECK(t.thing->get_option_no_throw("--x") == nullptr);
  const char* argv[] = {"prog", "thing", "--x", "7"};
  t.app.parse(4, argv);
  CHECK(t.thing_made == 1);
  CHECK(t.other_made == 0);
  CHECK(t.thing->parsed());
  CHECK(t.x == "7");
}

TEST_CASE("cli verb: the program's help lists every verb, a verb's help its flags") {
  TwoVerbs t;
  const std::string help = t.app.help();
  CHECK(help.find("Does a thing") != std::string::npos);
  CHECK(help.find("Does another") != std::string::npos);
  CHECK(t.thing_made == 0);
  const char* argv[] = {"prog", "thing", "--help"};
  CHECK_THROWS_AS(t.app.parse(3, argv), CLI::CallForHelp);
  CHECK(t.thing->help().find("--x TEXT") != std::string::npos);
  CHECK(t.other_made == 0);
}

TEST_CASE("cli verb: a flag of a verb that was not run is an error") {
  TwoVerbs t;
  const char* argv[] = {"prog", "other", "--x", "7"};
  CHECK_THROWS_AS(t.app.parse(4, argv), CLI::ExtrasError);
  CHECK(t.other_made == 1);
  CHECK(t.thing_made == 0);
}

}  // namespace bgpdemo::cli
