# bgpdemo: one entry point for people and CI. Every target installs what it needs first.
#
#   make test    install the test deps, run `make lint`, build the ASan/UBSan + fuzz
#                build (clang) and run the unit tests under the sanitizers, then build
#                (g++, -Werror) and run every other test and the fuzzers
#   make lint    clang-format and clang-tidy on the C++ changed since the base commit
#                (scripts/check-format.sh, check-tidy.sh: BGPDEMO_BASE_REF=origin/main to
#                compare with a branch), no source file over 600 lines (check-size.sh)
#   make build   install the test deps and build build/bgpdemo with its tests
#   make bench   build and run the benchmarks (figures only, never pass/fail)
#   make soak    the long churn soak: 100 sessions flapped 1,000 times against the router
#   make kill-kind  up and down on kind (test doubles, private Docker) killed at any moment
#   make demo    install only what the demo needs, build only bgpdemo, bring the
#                two-cluster demo up (on the lab provider where Docker or kind is missing;
#                needs root) and verify it
#   make demo-down  take it down again
#   make format  clang-format the lines changed since the base commit (not the whole tree)

BUILD      ?= build
ASAN_BUILD ?= build-asan
# make lint's tree: configured only, for clang-tidy's per-file compile commands.
LINT_BUILD ?= build-lint
# The builds compile each layer's sources in batches (CMakeLists.txt, BGPDEMO_UNITY): half
# the time of a build from scratch. UNITY=OFF when you edit and rebuild one file at a time.
UNITY      ?= ON
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 20
# ccache when it is installed (scripts/setup-deps.sh test installs it): only a cache, the
# builds are the same without it.
LAUNCHER   := $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)
# Paths below the checkout are hashed relative to it, so another clone of the same code hits.
export CCACHE_BASEDIR ?= $(CURDIR)
# The sanitizer build's precompiled headers (BGPDEMO_PCH) can be cached with these.
export CCACHE_SLOPPINESS ?= pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: all deps deps-demo configure build build-asan lint test test-asan test-main bench soak \
	kill-kind \
	demo demo-down clean format

all: build

# Everything: the demo's packages and the test-only ones (daemons, Docker, clang tools).
deps:
	bash scripts/setup-deps.sh test

# Only what building bgpdemo and running the demo need.
deps-demo:
	bash scripts/setup-deps.sh demo

# Tests and benchmarks ON explicitly: `make demo` configures the same tree with them OFF.
# The sanitizer build's fuzzers are run by this build's CTest (tests/CMakeLists.txt).
configure: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(LAUNCHER) \
	  -DBGPDEMO_UNITY=$(UNITY) -DBGPDEMO_TESTS=ON -DBGPDEMO_BENCH=ON -DBGPDEMO_FUZZ_BUILD=$(abspath $(ASAN_BUILD)) \
	  -DBGPDEMO_FUZZ_SECONDS=$(FUZZ_SECONDS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Format and tidy on the C++ changed since the base commit, sizes on every file. Tidy
# reads the compile_commands.json of a tree of its own, configured as the main build but
# file by file (a unity build's commands name its batches, not the sources).
lint: deps
	cmake -S . -B $(LINT_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBGPDEMO_UNITY=OFF \
	  -DBGPDEMO_TESTS=ON -DBGPDEMO_BENCH=ON > /dev/null
	bash scripts/check-format.sh
	bash scripts/check-size.sh
	BUILD=$(LINT_BUILD) JOBS=$(JOBS) bash scripts/check-tidy.sh

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug $(LAUNCHER) -DBGPDEMO_UNITY=$(UNITY) \
	  -DCMAKE_CXX_COMPILER=clang++ -DBGPDEMO_SANITIZE=ON -DBGPDEMO_FUZZ=ON -DBGPDEMO_PCH=ON \
	  -DBGPDEMO_BENCH=OFF -DBGPDEMO_FUZZ_SECONDS=$(FUZZ_SECONDS) -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
	  -DBGPDEMO_UNIT_SHARDS=8
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer, as 8 processes (CTest
# unit.shard-K-of-8, tests/run_unit_shard.sh; a failing case is named in its shard's
# output; `ctest --test-dir build -L unit` runs one per case). The tests that drive
# real daemons as root (labelled interop, tool or docker) run in the main build, and so do
# this build's fuzzers (label fuzz): beside the Docker tests, in a CTest slot that was idle.
# So does the churn soak (label soak), which measures the router's memory: ASan's
# quarantine of freed blocks would grow it past any bound.
test-asan: build-asan
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -LE 'interop|tool|docker|fuzz|soak'

# Every other test, in the main build: what needs root, real daemons or Docker, and the
# sanitizer build's fuzzers (skipped when that build is not there). The unit tests (label
# unit) ran in test-asan, so this build leaves their binary out (target bgpdemo_for_tests;
# `make build` builds it, and `ctest --test-dir build -L unit` runs them here). The summary
# line is the last thing printed.
test-main: configure
	cmake --build $(BUILD) -j $(JOBS) --target bgpdemo_for_tests
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -LE unit -E '^bgpdemo_tests_NOT_BUILT'


# The lint checks first, so that a failure stops before the long builds; then the tests.
test: lint test-asan test-main

bench: build
	$(BUILD)/tests/bgpdemo_bench

# The long churn soak (issue #16): 100 sessions, 1,000 flaps, then the same RIB, no fd or
# timer leaked, RSS within 10%; CI runs a short one (CTest soak.short). About 4 minutes.
# SOAK_ARGS adds options (--seed N, --flaps N, --keep).
soak: configure
	cmake --build $(BUILD) -j $(JOBS) --target bgpdemo bgpdemo_soak
	python3 tests/soak/soak_test.py --bgpdemo $(BUILD)/bgpdemo --soak $(BUILD)/tests/bgpdemo_soak \
	  --sessions 100 --flaps 1000 --concurrency 20 $(SOAK_ARGS)

# `up` and `down` on kind (the test doubles, a private Docker engine) SIGKILLed at step
# boundaries and at random moments, then run again (issue #16): root and docker.io; about a
# minute a round. KILL_ROUNDS rounds; BGPDEMO_KIND_KILL_SEED repeats a run.
KILL_ROUNDS ?= 5
kill-kind: configure
	cmake --build $(BUILD) -j $(JOBS) --target bgpdemo
	BGPDEMO_KIND_KILL_ROUNDS=$(KILL_ROUNDS) python3 tests/kind/kind_kill_test.py \
	  --bgpdemo $(BUILD)/bgpdemo --cache-dir $(BUILD)/docker-cache

# Only the bgpdemo binary, configured without tests and benchmarks so that none of their
# packages is needed.
demo: deps-demo
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(LAUNCHER) \
	  -DBGPDEMO_UNITY=$(UNITY) -DBGPDEMO_TESTS=OFF -DBGPDEMO_BENCH=OFF
	cmake --build $(BUILD) -j $(JOBS) --target bgpdemo
	$(BUILD)/bgpdemo up
	$(BUILD)/bgpdemo verify
	@echo "The demo stays up: try $(BUILD)/bgpdemo peers, routes, status; 'make demo-down' ends it."

demo-down:
	$(BUILD)/bgpdemo down

format:
	bash scripts/check-format.sh --fix

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(LINT_BUILD)
