// WriteFileAtomic: the whole text or nothing, the mode of a new file, no temporary file
// left behind, and an error naming the file when it cannot be written. RemoveWritten: the
// file and a killed writer's leftovers, nothing else.
#include "core/files.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace bgpdemo::core {
namespace {

namespace fs = std::filesystem;

std::string Read(const std::string& path) {
  std::ifstream f(path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

TEST_CASE("files: written whole with the mode asked, replaced in place, nothing else left") {
  char tmpl[] = "/tmp/bgpdemo-files-test-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const auto path = dir + "/state.json";
  REQUIRE(WriteFileAtomic(path, "first\n", 0600));
  CHECK(Read(path) == "first\n");
  CHECK((fs::status(path).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  REQUIRE(WriteFileAtomic(path, std::string(100000, 'x')));
  CHECK(Read(path).size() == 100000);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);

  auto bad = WriteFileAtomic(dir + "/no/such/folder/f", "x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().starts_with(dir + "/no/such/folder/f.tmp."));
  CHECK(bad.error().message().ends_with(": cannot create: No such file or directory"));
  fs::remove_all(dir);
}

TEST_CASE("files: RemoveWritten takes the file and what killed writers left, nothing else") {
  char tmpl[] = "/tmp/bgpdemo-files-test-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  REQUIRE(WriteFileAtomic(dir + "/state.json", "{}\n"));
  for (const char* name :
       {"state.json.tmp.123", "state.json.tmp.45", "state.jsonx", "daemon.json", "other.tmp.1"}) {
    std::ofstream(dir + "/" + name) << "x";
  }
  auto removed = RemoveWritten(dir + "/state.json");
  std::sort(removed.begin(), removed.end());
  CHECK(removed == std::vector<std::string>{dir + "/state.json", dir + "/state.json.tmp.123",
                                            dir + "/state.json.tmp.45"});
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir)) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<std::string>{"daemon.json", "other.tmp.1", "state.jsonx"});
  CHECK(RemoveWritten(dir + "/state.json").empty());
  CHECK(RemoveWritten(dir + "/no/such/folder/state.json").empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace bgpdemo::core
