// `peers --watch` and `routes --watch` (cli::demo::Watch): the look printed again every
// --interval until --duration ends, after a time line when the output is not a terminal, one
// JSON document per line with -o json; the last look's exit code. tests/e2e/see_test.py runs
// `peers --watch` on a lab demo.
#include <doctest/doctest.h>

#include <regex>
#include <sstream>

#include "cli/demo_command.h"
#include "cli/demo_verbs.h"

namespace bgpdemo {
namespace {

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_CASE("watch: a block per look with its time, until --duration") {
  cli::DemoOptions o;
  o.watch_interval = 0.05;
  o.watch_duration = 0.28;
  std::ostringstream out;
  int looks = 0;
  const int code = cli::demo::Watch(o, out, "peers", [&looks](std::ostream& os) {
    os << "look " << ++looks << "\n";
    return looks == 3 ? 1 : 0;
  });
  CHECK(looks >= 4);
  CHECK(looks <= 7);
  CHECK(Count(out.str(), "== peers ") == static_cast<std::size_t>(looks));
  CHECK(std::regex_search(out.str(),
                          std::regex(R"(^== peers \d{4}-\d\d-\d\dT[\d:.]+Z\nlook 1\n\n)")));
  CHECK(code == 0);                                     // the last look's
  CHECK(out.str().find("\x1b[") == std::string::npos);  // no terminal codes into a pipe
}

TEST_CASE("watch -o json: one document per line, nothing else") {
  cli::DemoOptions o;
  o.output = "json";
  o.watch_interval = 0.05;
  o.watch_duration = 0.12;
  std::ostringstream out;
  int looks = 0;
  const int code = cli::demo::Watch(o, out, "routes", [&looks](std::ostream& os) {
    os << "{\"look\":" << ++looks << "}\n";
    return 1;
  });
  std::istringstream lines(out.str());
  int n = 0;
  for (std::string line; std::getline(lines, line);) {
    CHECK(line == "{\"look\":" + std::to_string(++n) + "}");
  }
  CHECK(n == looks);
  CHECK(n >= 2);
  CHECK(code == 1);
}

}  // namespace
}  // namespace bgpdemo
