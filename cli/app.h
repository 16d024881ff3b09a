// The bgpdemo command line: every verb, parsed with CLI11, run, mapped to an exit code.
#pragma once

#include <iosfwd>

namespace bgpdemo::cli {

// Runs bgpdemo with the given arguments (argv[0] is the program name). Never throws.
int Main(int argc, const char* const* argv, std::istream& in, std::ostream& out,
         std::ostream& err);

}  // namespace bgpdemo::cli
