// The router image made from the executable (core/router_image.h): ldd's output read, the
// plan (which files go where, the Dockerfile's text), the context written, and the build on
// a FakeRunner.
#include "core/router_image.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "core/fake_runner.h"
#include "tests/test_util.h"

namespace bgpdemo::core {
namespace {

namespace fs = std::filesystem;

class Scratch {
 public:
  Scratch() {
    char tmpl[] = "/tmp/bgpdemo-image-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~Scratch() { fs::remove_all(path_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const std::string& path() const { return path_; }
  std::string Put(const std::string& rel, const std::string& text) const {
    const auto p = path_ + "/" + rel;
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::string path_;
};

// `ldd build/bgpdemo` on Debian 12 (glibc 2.36), 2026-12-02.
constexpr const char* kLddDebian12 =
    "\tlinux-vdso.so.1 (0x00007ffd2b3f5000)\n"
    "\tlibfmt.so.9 => /lib/x86_64-linux-gnu/libfmt.so.9 (0x00007f5a0d0a3000)\n"
    "\tlibyaml-cpp.so.0.7 => /lib/x86_64-linux-gnu/libyaml-cpp.so.0.7 (0x00007f5a0cffb000)\n"
    "\tlibmnl.so.0 => /lib/x86_64-linux-gnu/libmnl.so.0 (0x00007f5a0cff3000)\n"
    "\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f5a0cc00000)\n"
    "\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f5a0cf14000)\n"
    "\tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f5a0cef4000)\n"
    "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f5a0ca1f000)\n"
    "\t/lib64/ld-linux-x86-64.so.2 (0x00007f5a0d0f4000)\n";

TEST_CASE("router image: ldd's libraries and loader, in its order, without linux-vdso") {
  auto libs = ParseLdd(kLddDebian12);
  REQUIRE(libs);
  CHECK(*libs == std::vector<std::string>{
                     "/lib/x86_64-linux-gnu/libfmt.so.9",
                     "/lib/x86_64-linux-gnu/libyaml-cpp.so.0.7",
                     "/lib/x86_64-linux-gnu/libmnl.so.0", "/lib/x86_64-linux-gnu/libstdc++.so.6",
                     "/lib/x86_64-linux-gnu/libm.so.6", "/lib/x86_64-linux-gnu/libgcc_s.so.1",
                     "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"});
  // Older glibc printed "linux-vdso.so.1 =>  (0x...)"; a static executable has nothing.
  CHECK(ParseLdd("\tlinux-vdso.so.1 =>  (0x00007ffd2b3f5000)\n")->empty());
  CHECK(ParseLdd("\tstatically linked\n")->empty());
  auto missing = ParseLdd("\tlibfmt.so.9 => not found\n");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind() == ErrorKind::kEnvironment);
  CHECK(missing.error().message().starts_with("bgpdemo needs libfmt.so.9, which ldd did not find"));
}

TEST_CASE(
    "router image: the plan puts the executable on PATH, the libraries where ldd found "
    "them, and a Dockerfile FROM scratch") {
  const auto plan =
      PlanRouterImage({"/opt/bgpdemo/bin/bgpdemo",
                       {"/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"},
                       "",
                       "0.1.0-7-gabc"});
  CHECK(plan.files == std::vector<ImageFile>{
                          {"/opt/bgpdemo/bin/bgpdemo", "/usr/local/bin/bgpdemo"},
                          {"/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"},
                          {"/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2"}});
  CHECK(plan.dirs == std::vector<std::string>{"/etc/bgpdemo", "/run/bgpdemo"});
  CHECK(
      plan.dockerfile ==
      "# The route server of the bgpdemo demo (bgpdemo-router), made by bgpdemo 0.1.0-7-gabc from\n"
      "# its own executable and the shared libraries it links, each at the path where the\n"
      "# dynamic loader found it (rootfs/, 3 files), plus /etc/bgpdemo and /run/bgpdemo.\n"
      "# Everything the kind provider runs in the container is bgpdemo: `bgpdemo router`,\n"
      "# `bgpdemo router peers|routes|kernel-routes`, `bgpdemo probe URL`.\n"
      "#   docker build -t bgpdemo-router:0.1.0-7-gabc .\n"
      "FROM scratch\n"
      "COPY rootfs/ /\n"
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
      "LABEL org.opencontainers.image.title=\"bgpdemo-router\" \\\n"
      "      org.opencontainers.image.description=\"bgpdemo router: the BGP route server of the "
      "two-cluster Cilium BGP demo\" \\\n"
      "      org.opencontainers.image.source=\"\" \\\n"
      "      org.opencontainers.image.version=\"0.1.0-7-gabc\" \\\n"
      "      org.opencontainers.image.base.name=\"scratch\"\n"
      "# BGP; the control socket is /run/bgpdemo/router.sock.\n"
      "EXPOSE 179\n"
      "ENTRYPOINT [\"bgpdemo\"]\n"
      "CMD [\"router\", \"--config\", \"/etc/bgpdemo/router.yaml\"]\n");
  const auto based = PlanRouterImage({"/usr/bin/bgpdemo", {}, "debian:bookworm", "a\"b"});
  CHECK(based.dockerfile.find("\nFROM debian:bookworm\n") != std::string::npos);
  CHECK(based.dockerfile.find("base.name=\"debian:bookworm\"\n") != std::string::npos);
  CHECK(based.dockerfile.find("version=\"a\\\"b\" \\\n") != std::string::npos);
}

TEST_CASE(
    "router image: the context holds the Dockerfile and rootfs/ with every file of the "
    "plan, symbolic links followed") {
  Scratch s;
  const auto exe = s.Put("host/bgpdemo", "elf");
  const auto lib = s.Put("host/lib/libc.so.6.real", "libc");
  fs::create_symlink(lib, s.path() + "/host/lib/libc.so.6");
  const auto plan = PlanRouterImage({exe, {s.path() + "/host/lib/libc.so.6"}, "", "1"});
  const auto ctx = s.path() + "/ctx";
  s.Put("ctx/rootfs/stale", "from an earlier build");
  REQUIRE(WriteRouterImageContext(plan, ctx));
  CHECK(test::ReadText(ctx + "/Dockerfile") == plan.dockerfile);
  CHECK(test::ReadText(ctx + "/rootfs/usr/local/bin/bgpdemo") == "elf");
  const auto copied = ctx + "/rootfs" + s.path() + "/host/lib/libc.so.6";
  CHECK_FALSE(fs::is_symlink(copied));
  CHECK(test::ReadText(copied) == "libc");
  CHECK(fs::is_directory(ctx + "/rootfs/etc/bgpdemo"));
  CHECK(fs::is_directory(ctx + "/rootfs/run/bgpdemo"));
  CHECK_FALSE(fs::exists(ctx + "/rootfs/stale"));

  auto gone = WriteRouterImageContext(PlanRouterImage({s.path() + "/nothing", {}, "", "1"}), ctx);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().kind() == ErrorKind::kEnvironment);
  CHECK(gone.error().message().starts_with("router image context: copy " + s.path() + "/nothing"));
}

TEST_CASE("router image: build runs ldd on the executable, then docker build of the context") {
  Scratch s;
  const auto exe = s.Put("bin/bgpdemo", "elf");
  const auto lib = s.Put("lib/libfmt.so.9", "fmt");
  FakeRunner f;
  f.Expect({"ldd", exe}).Prints(fmt::format("\tlibfmt.so.9 => {} (0x1)\n", lib));
  f.Expect({"docker", "build", "--force-rm", "-t", "r:1", s.path() + "/ctx"}).Prints("done\n");
  RouterImageOptions o{.tag = "r:1",
                       .executable = exe,
                       .base_image = "",
                       .version = "1",
                       .context_dir = s.path() + "/ctx",
                       .env = {{"DOCKER_HOST", "unix:///d.sock"}},
                       .runner = &f};
  REQUIRE(BuildRouterImage(o));
  CHECK(test::ReadText(s.path() + "/ctx/rootfs" + lib) == "fmt");
  CHECK(f.CommandLines() ==
        std::vector<std::string>{"ldd " + exe,
                                 "docker build --force-rm -t r:1 " + s.path() + "/ctx"});
  for (const auto& c : f.Calls()) {
    CHECK(c.env_add == std::map<std::string, std::string>{{"DOCKER_HOST", "unix:///d.sock"}});
  }
  CHECK(f.Problems().empty());

  // With binutils' strip here, the executable's copy loses its debug info before the build.
  FakeRunner sf;
  sf.AddProgram("strip");
  sf.Expect({"ldd", exe}).Prints("");
  sf.Expect({"/usr/bin/strip", "--strip-debug", s.path() + "/ctx/rootfs/usr/local/bin/bgpdemo"});
  sf.Expect({"docker", "build", "--force-rm", "-t", "r:1", s.path() + "/ctx"});
  REQUIRE(BuildRouterImage(
      {.tag = "r:1", .executable = exe, .context_dir = s.path() + "/ctx", .runner = &sf}));
  CHECK(sf.Problems().empty());
  CHECK(sf.CommandLines().size() == 3);

  // A static executable: ldd says so and exits 1; the image has the executable alone.
  FakeRunner st;
  st.Expect({"ldd", exe}).Exits(1, "", "\tnot a dynamic executable\n");
  st.Expect({"docker", "build", "--force-rm", "-t", "r:1", s.path() + "/ctx"});
  REQUIRE(BuildRouterImage(
      {.tag = "r:1", .executable = exe, .context_dir = s.path() + "/ctx", .runner = &st}));
  CHECK_FALSE(fs::exists(s.path() + "/ctx/rootfs" + lib));

  // A base image that is not here: the build's error, and what to do.
  FakeRunner nb;
  nb.Expect({"ldd", exe}).Prints("");
  nb.Expect({"docker", "build", "--force-rm", "-t", "r:1", s.path() + "/ctx"})
      .Exits(1, "ERROR: pull access denied for nope, repository does not exist\n");
  auto r = BuildRouterImage({.tag = "r:1",
                             .executable = exe,
                             .base_image = "nope",
                             .context_dir = s.path() + "/ctx",
                             .runner = &nb});
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == ErrorKind::kCommand);
  CHECK(r.error().message() ==
        fmt::format("`docker build --force-rm -t r:1 {}/ctx` exited with 1:\n"
                    "  ERROR: pull access denied for nope, repository does not exist\n"
                    "  hint: the base image nope must be here or pullable (docker pull nope); or "
                    "leave --base-image out to build FROM scratch",
                    s.path()));

  // No ldd on the machine.
  FakeRunner none;
  none.Expect({"ldd", exe}).CannotStart("ldd: not found in PATH");
  auto no_ldd = BuildRouterImage(
      {.tag = "r:1", .executable = exe, .context_dir = s.path() + "/ctx", .runner = &none});
  REQUIRE_FALSE(no_ldd);
  CHECK(no_ldd.error().kind() == ErrorKind::kEnvironment);
}

}  // namespace
}  // namespace bgpdemo::core
