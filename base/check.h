// BGPDEMO_CHECK: aborts with a message when one of our own invariants is broken.
//
// For our bugs only. A peer's bad bytes or a user's bad input are errors returned as values
// (base/result.h), never checks.
#pragma once

#include <cstdio>
#include <cstdlib>

#define BGPDEMO_CHECK(cond)                                                                \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "bgpdemo: internal error: %s:%d: check failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                                       \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)
