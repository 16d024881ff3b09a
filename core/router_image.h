// The route server's image (bgpdemo-router), made from this bgpdemo executable: the binary
// and the shared libraries it links, each copied to the path where the dynamic loader found
// it here, the loader itself, and a Dockerfile `FROM scratch` (or a base image the user
// names) that copies them in. No compiler, no package manager, no source tree and nothing
// to pull: an installed `bgpdemo` on a machine with Docker makes its own image, in seconds.
//
//   executable --`ldd`--> ParseLdd --> PlanRouterImage (pure: files and Dockerfile text)
//              --> WriteRouterImageContext (context/Dockerfile, context/rootfs/...)
//              --> `docker build -t TAG context`
//
// The image runs everything the kind provider runs in the router's container with bgpdemo's
// own verbs: `bgpdemo router` (ENTRYPOINT bgpdemo, CMD router --config
// /etc/bgpdemo/router.yaml), `bgpdemo router peers|routes|kernel-routes -o json` (no
// iproute2) and `bgpdemo probe URL` (no curl). /etc/bgpdemo and /run/bgpdemo (the control
// socket) exist, empty.
//
// With a base image, the libraries go to the same paths and replace the base's copies of
// them: use a base of the same C library as this machine (a Debian 12 bgpdemo on
// debian:bookworm), or scratch.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"

namespace bgpdemo::core {

// bgpdemo-router:<version>: the tag `up --provider kind` builds or looks for.
std::string DefaultRouterImageTag(const std::string& version);

// The shared objects `ldd EXE` found, loader included, as absolute paths in its order;
// linux-vdso (no file) is left out. `ldd` of a static executable ("not a dynamic
// executable", "statically linked"): none. A library ldd did not find is an Error of kind
// kEnvironment naming it: "bgpdemo needs libfmt.so.9, which ldd did not find here".
Result<std::vector<std::string>, Error> ParseLdd(const std::string& out);

// One file of the image: copied from `from` (on this machine, symbolic links followed) to
// `to` (its absolute path in the image).
struct ImageFile {
  std::string from;
  std::string to;
  friend bool operator==(const ImageFile&, const ImageFile&) = default;
};

struct RouterImageInputs {
  std::string executable;              // this bgpdemo's absolute path
  std::vector<std::string> libraries;  // ParseLdd's answer
  std::string base_image;              // empty: scratch
  std::string version;                 // of this bgpdemo, for the labels
};

struct RouterImagePlan {
  std::vector<ImageFile> files;   // the executable (/usr/local/bin/bgpdemo), then the libraries
  std::vector<std::string> dirs;  // empty folders in the image
  std::string dockerfile;         // its text; the context's files are under rootfs/
};

// What the image holds and the Dockerfile that makes it from the context.
RouterImagePlan PlanRouterImage(const RouterImageInputs& in);

// Writes the context into `dir` (created; an earlier rootfs/ there is replaced): Dockerfile
// and rootfs/ with every file and folder of the plan. kEnvironment when a file cannot be
// read or written.
Result<void, Error> WriteRouterImageContext(const RouterImagePlan& plan, const std::string& dir);

struct RouterImageOptions {
  std::string tag;
  std::string executable;  // this bgpdemo (UpOptions::self)
  std::string base_image;  // empty: scratch
  std::string version;
  std::string context_dir;  // where the context is written (and left, to read or build by hand)
  std::map<std::string, std::string> env;  // added to ldd's and docker's environment
  std::chrono::milliseconds timeout = std::chrono::minutes(10);  // for docker build
  CommandRunner* runner = &DefaultRunner();                      // not owned, never null
};

// ldd, the plan, the context, `strip --strip-debug` of the executable's copy when strip is
// installed (a failed strip keeps the copy as it is), `docker build`. A failed ldd or docker build
// is an Error of kind kCommand with the command, its last lines and what to do.
Result<void, Error> BuildRouterImage(const RouterImageOptions& o);

}  // namespace bgpdemo::core
