// bgpdemo's entry point: everything else lives in bgpdemo_lib (see cli/app.h).
#include <iostream>

#include "cli/app.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return bgpdemo::cli::Main(argc, argv, std::cin, std::cout, std::cerr);
}
