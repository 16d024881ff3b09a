// What the demo verbs' files share (cli/demo_command.cpp, demo_lifecycle.cpp,
// demo_observe.cpp); not for other code. Every verb reaches its provider through the
// registry (core/providers.h) and maps errors to exit codes with ExitCodeFor.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "base/error.h"
#include "cli/demo_command.h"
#include "core/demo.h"
#include "core/providers.h"

namespace bgpdemo::cli::demo {

// --state-dir, or core::DefaultStateDir().
std::string StateDir(const DemoOptions& o);
// Step lines: text for people, one JSON object per line for CI.
core::StepSink Printer(const DemoOptions& o, std::ostream& out, const char* verb);
// The registry for this command; `on_step` hears up's and down's steps.
core::Providers MakeProviders(const DemoOptions& o, core::StepSink on_step = nullptr);
// Prints "<what>: <message>" on err and returns the error's exit code.
int Failed(std::ostream& err, std::string_view what, const Error& error);
// A verb's report: its JSON object on one line (indented: `pretty`), or its text.
void Print(const DemoOptions& o, std::ostream& out, const core::Report& r, bool pretty = false);

// `--watch`: `once` printed again every --interval until --duration ends (or for ever):
// redrawn in place on a terminal, one block per look after a time line otherwise, one JSON
// document per line with -o json. Returns the last look's exit code.
int Watch(const DemoOptions& o, std::ostream& out, std::string_view verb,
          const std::function<int(std::ostream&)>& once);

// The verbs; each returns its exit code.
int Up(const DemoOptions& o, std::ostream& out, std::ostream& err);
int Down(const DemoOptions& o, std::ostream& out, std::ostream& err);
int Status(const DemoOptions& o, std::ostream& out, std::ostream& err);
int Doctor(const DemoOptions& o, std::ostream& out);
int Daemon(const DemoOptions& o, std::ostream& err);
int Peers(const DemoOptions& o, std::ostream& out, std::ostream& err);
int Routes(const DemoOptions& o, std::ostream& out, std::ostream& err);
int Verify(const DemoOptions& o, std::ostream& out, std::ostream& err);
int Speaker(const DemoOptions& o, std::ostream& out, std::ostream& err);
int Graph(const DemoOptions& o, std::ostream& out, std::ostream& err);
int Events(const DemoOptions& o, std::ostream& out, std::ostream& err);
int Ui(const DemoOptions& o, std::ostream& out, std::ostream& err);
int Fault(const DemoOptions& o, std::ostream& out, std::ostream& err);

}  // namespace bgpdemo::cli::demo
