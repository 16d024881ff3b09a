#include "core/router_image.h"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

namespace bgpdemo::core {

namespace fs = std::filesystem;

namespace {

constexpr const char* kImageBinary = "/usr/local/bin/bgpdemo";

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// "/lib/x86_64-linux-gnu/libc.so.6 (0x00007f...)" -> the path.
std::string PathBeforeAddress(const std::string& s) {
  const auto paren = s.find(" (");
  return Trim(paren == std::string::npos ? s : s.substr(0, paren));
}

// A label's value between double quotes in a Dockerfile.
std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A failed program as users see it (as the kind provider's tools say it): the command, its
// exit code, its last lines and the hint.
Error Failed(const std::vector<std::string>& argv, const ProcessResult& r,
             const std::string& hint) {
  std::string s = FormatFailure(argv, r, 8);
  s += (s.ends_with('\n') ? "" : "\n") + std::string("  hint: ") + hint;
  return CommandError(argv, r, std::move(s), 8);
}

}  // namespace

std::string DefaultRouterImageTag(const std::string& version) {
  return "bgpdemo-router:" + (version.empty() ? std::string("latest") : version);
}

Result<std::vector<std::string>, Error> ParseLdd(const std::string& out) {
  std::vector<std::string> paths;
  std::size_t start = 0;
  while (start < out.size()) {
    auto end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = Trim(out.substr(start, end - start));
    start = end + 1;
    if (const auto arrow = line.find("=>"); arrow != std::string::npos) {
      const std::string name = Trim(line.substr(0, arrow));
      const std::string rest = Trim(line.substr(arrow + 2));
      if (rest.rfind("not found", 0) == 0) {
        return Fail(Error::Environment(fmt::format(
            "bgpdemo needs {}, which ldd did not find here; install it (the package that "
            "bgpdemo's own package depends on), or give --router-image",
            name)));
      }
      const std::string path = PathBeforeAddress(rest);
      if (!path.empty() && path.front() == '/') paths.push_back(path);
    } else if (!line.empty() && line.front() == '/') {
      paths.push_back(PathBeforeAddress(line));  // the dynamic loader
    }
    // Anything else: linux-vdso.so.1 (in the kernel, no file), "statically linked".
  }
  return paths;
}

RouterImagePlan PlanRouterImage(const RouterImageInputs& in) {
  RouterImagePlan p;
  p.files.push_back({in.executable, kImageBinary});
  for (const auto& lib : in.libraries) p.files.push_back({lib, lib});
  p.dirs = {"/etc/bgpdemo", "/run/bgpdemo"};
  const std::string base = in.base_image.empty() ? "scratch" : in.base_image;
  p.dockerfile = fmt::format(
      "# The route server of the bgpdemo demo (bgpdemo-router), made by bgpdemo {version} from\n"
      "# its own executable and the shared libraries it links, each at the path where the\n"
      "# dynamic loader found it (rootfs/, {n} files), plus /etc/bgpdemo and /run/bgpdemo.\n"
      "# Everything the kind provider runs in the container is bgpdemo: `bgpdemo router`,\n"
      "# `bgpdemo router peers|routes|kernel-routes`, `bgpdemo probe URL`.\n"
      "#   docker build -t bgpdemo-router:{version} .\n"
      "FROM {base}\n"
      "COPY rootfs/ /\n"
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
      "LABEL org.opencontainers.image.title=\"bgpdemo-router\" \\\n"
      "      org.opencontainers.image.description=\"bgpdemo router: the BGP route server of "
      "the two-cluster Cilium BGP demo\" \\\n"
      "      org.opencontainers.image.source=\"\" \\\n"
      "      org.opencontainers.image.version={qversion} \\\n"
      "      org.opencontainers.image.base.name={qbase}\n"
      "# BGP; the control socket is /run/bgpdemo/router.sock.\n"
      "EXPOSE 179\n"
      "ENTRYPOINT [\"bgpdemo\"]\n"
      "CMD [\"router\", \"--config\", \"/etc/bgpdemo/router.yaml\"]\n",
      fmt::arg("version", in.version), fmt::arg("n", p.files.size()), fmt::arg("base", base),
      fmt::arg("qversion", Quoted(in.version)), fmt::arg("qbase", Quoted(base)));
  return p;
}

Result<void, Error> WriteRouterImageContext(const RouterImagePlan& plan, const std::string& dir) {
  std::error_code ec;
  const fs::path root = fs::path(dir) / "rootfs";
  fs::remove_all(root, ec);
  if (ec) {
    return Fail(
        Error::Environment(fmt::format("cannot empty {}: {}", root.string(), ec.message())));
  }
  auto fail = [](const std::string& what, const std::error_code& e) {
    return Fail(Error::Environment(fmt::format("router image context: {}: {}", what, e.message())));
  };
  for (const auto& d : plan.dirs) {
    if (fs::create_directories(root / fs::path(d).relative_path(), ec); ec) {
      return fail("mkdir " + d, ec);
    }
  }
  for (const auto& f : plan.files) {
    const fs::path to = root / fs::path(f.to).relative_path();
    if (fs::create_directories(to.parent_path(), ec); ec) return fail("mkdir " + f.to, ec);
    // copy_file follows symbolic links: the image gets the file, at the path ldd named.
    if (fs::copy_file(f.from, to, fs::copy_options::overwrite_existing, ec); ec) {
      return fail(fmt::format("copy {} to {}", f.from, to.string()), ec);
    }
  }
  if (FILE* out = std::fopen((fs::path(dir) / "Dockerfile").c_str(), "w"); out != nullptr) {
    const bool ok = std::fwrite(plan.dockerfile.data(), 1, plan.dockerfile.size(), out) ==
                    plan.dockerfile.size();
    if (std::fclose(out) == 0 && ok) return {};
  }
  return Fail(Error::Environment(fmt::format("cannot write {}/Dockerfile", dir)));
}

Result<void, Error> BuildRouterImage(const RouterImageOptions& o) {
  const std::vector<std::string> ldd{"ldd", o.executable};
  auto listed = o.runner->Run(ldd, {.timeout = std::chrono::seconds(30), .env_add = o.env});
  if (!listed) return Fail(std::move(listed).error());
  std::vector<std::string> libraries;
  const bool is_static =
      (listed->out + listed->err).find("not a dynamic executable") != std::string::npos;
  if (!is_static) {
    if (listed->exit_code != 0 || listed->timed_out) {
      return Fail(Failed(ldd, *listed,
                         "ldd (glibc's libc-bin) lists the libraries the router image needs; or "
                         "give --router-image"));
    }
    auto parsed = ParseLdd(listed->out);
    if (!parsed) return Fail(std::move(parsed).error());
    libraries = std::move(*parsed);
  }
  const auto plan = PlanRouterImage({o.executable, libraries, o.base_image, o.version});
  if (auto written = WriteRouterImageContext(plan, o.context_dir); !written) {
    return Fail(std::move(written).error());
  }
  // A build with debug info (RelWithDebInfo: 135 MB here) makes a big image; the copy loses
  // it when binutils' strip is here (about 10x smaller), and keeps it otherwise.
  if (const auto strip = o.runner->Find("strip"); !strip.empty()) {
    const auto copy = (fs::path(o.context_dir) / "rootfs" / fs::path(kImageBinary).relative_path());
    (void)o.runner->Run({strip, "--strip-debug", copy.string()},
                        {.timeout = std::chrono::seconds(60), .env_add = o.env});
  }
  const std::vector<std::string> build{"docker", "build", "--force-rm", "-t", o.tag, o.context_dir};
  auto built = o.runner->Run(build, {.timeout = o.timeout, .env_add = o.env});
  if (!built) return Fail(std::move(built).error());
  if (built->exit_code != 0 || built->timed_out) {
    const std::string hint =
        o.base_image.empty()
            ? fmt::format("the context is {}; `docker build {}` alone shows the same error",
                          o.context_dir, o.context_dir)
            : fmt::format(
                  "the base image {} must be here or pullable (docker pull {}); or "
                  "leave --base-image out to build FROM scratch",
                  o.base_image, o.base_image);
    return Fail(Failed(build, *built, hint));
  }
  return {};
}

}  // namespace bgpdemo::core
