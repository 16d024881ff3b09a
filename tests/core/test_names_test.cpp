// CTest registers one test per doctest TEST_CASE and cuts its name at ';' (a CMake list
// separator): doctest is then asked for a name that matches nothing, runs no case, and
// CTest reports a pass. So no test name may hold a ';'.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace {

TEST_CASE("test names: no TEST_CASE name holds a semicolon, which CTest would cut") {
  const std::regex name(R"re(TEST_CASE\("([^"]*)")re");
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(BGPDEMO_SOURCE_DIR "/tests")) {
    if (e.path().extension() != ".cpp") continue;
    ++files;
    std::ifstream f(e.path());
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it) {
      CAPTURE(e.path().string());
      CHECK((*it)[1].str().find(';') == std::string::npos);
    }
  }
  CHECK(files > 50);
}

}  // namespace
