// Replays the fuzz seed corpus (tests/fuzz/corpus/<target>_fuzz/) and every input that ever
// crashed a fuzzer (tests/fuzz/crashers/) through the checks of every fuzz target
// (tests/fuzz/targets.h), and through DecodeMessage and FrameLength under the contexts the
// first input byte can select (all 256 for crashers, 16 for seeds), so that a build without
// clang or libFuzzer still proves none of them crashes or breaks a property again. See
// tests/fuzz/crashers/README.md.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/targets.h"

namespace {

namespace fs = std::filesystem;
namespace fuzz = bgpdemo::fuzz;

struct Target {
  std::string_view name;  // the fuzzer without "_fuzz"
  std::string (*run)(fuzz::Bytes);
};

constexpr Target kTargets[] = {
    {"message", &fuzz::MessageTarget},
    {"open", &fuzz::OpenTarget},
    {"update", &fuzz::UpdateTarget},
    {"capability", &fuzz::CapabilityTarget},
    {"attributes", &fuzz::AttributesTarget},
    {"nlri", &fuzz::NlriTarget},
    {"notification", &fuzz::NotificationTarget},
    {"hex", &fuzz::HexTarget},
};

fs::path FuzzDir() {
  return fs::path(BGPDEMO_SOURCE_DIR) / "tests" / "fuzz";
}

// The input files in dir, sorted; none when dir does not exist. README.md is not an input.
std::vector<fs::path> InputsIn(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != "README.md") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::uint8_t> ReadBytes(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f, "cannot read " << path.string());
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Every target's checks (which re-encode what decodes, under the context the input selects),
// then the bytes as a whole message and as a stream, decode only, under every context_step-th
// context byte; for inputs that start with a context byte, the bytes after it too.
void Replay(const fs::path& path, int context_step) {
  const auto bytes = ReadBytes(path);
  const fuzz::Bytes all(bytes);
  for (const auto& t : kTargets) {
    const std::string err = t.run(all);
    CHECK_MESSAGE(err.empty(), path.string() << " through the " << t.name << " target: " << err);
  }
  std::vector<fuzz::Bytes> as_messages{all};
  if (!all.empty()) as_messages.push_back(all.subspan(1));
  for (const fuzz::Bytes m : as_messages) {
    for (int b = 0; b < 256; b += context_step) {
      const auto ctx = fuzz::ContextFromByte(static_cast<std::uint8_t>(b));
      std::string err = fuzz::CheckDecodeMessage(m, ctx, false);
      if (err.empty()) err = fuzz::CheckFraming(m, ctx, false);
      CHECK_MESSAGE(err.empty(), path.string()
                                     << " as a message, context byte " << b << ": " << err);
      if (!err.empty()) break;
    }
  }
}

}  // namespace

TEST_CASE("crashers: every past fuzzer crash input replays without a crash") {
  const auto files = InputsIn(FuzzDir() / "crashers");
  MESSAGE("replaying " << files.size() << " past crashers from "
                       << (FuzzDir() / "crashers").string());
  for (const auto& f : files) Replay(f, 1);  // all 256 contexts
}

TEST_CASE("crashers: every seed corpus input passes every fuzz target") {
  std::size_t total = 0;
  for (const auto& t : kTargets) {
    const auto files = InputsIn(FuzzDir() / "corpus" / (std::string(t.name) + "_fuzz"));
    // An empty corpus would make this test pass without replaying anything.
    CHECK_MESSAGE(!files.empty(), "no seed corpus for the "
                                      << t.name
                                      << " target; regenerate it with tests/fuzz/make_corpus.py");
    for (const auto& f : files) Replay(f, 17);  // 16 contexts, from 0x00 to 0xff
    total += files.size();
  }
  MESSAGE("replayed " << total << " seed inputs");
}
