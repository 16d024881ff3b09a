# bgpdemo: one entry point for people and CI. Every target installs what it needs first.
#
#   make test    install deps, build (g++, -Werror) and the ASan/UBSan + fuzz build (clang),
#                run the unit tests and fuzzers under the sanitizers, then every test
#   make build   install deps and build bin/bgpdemo
#   make bench   build and run the benchmarks (figures only, never pass/fail)
#   make demo    install deps, build, bring the two-cluster demo up (on the lab provider
#                where Docker or kind is missing; needs root) and verify it
#   make demo-down  take it down again

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 30

.PHONY: all deps build build-asan test test-asan test-main bench demo demo-down clean format

all: build

deps:
	bash scripts/setup-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_COMPILER=clang++ -DBGPDEMO_SANITIZE=ON -DBGPDEMO_FUZZ=ON \
	  -DBGPDEMO_BENCH=OFF -DBGPDEMO_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# Unit tests and fuzzers under AddressSanitizer and UndefinedBehaviorSanitizer (the tests
# that drive real daemons as root, labelled interop, tool or docker, run in the main build).
test-asan: build-asan
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -LE 'interop|tool|docker'

# Every test, in the main build; its summary line is the last thing printed.
test-main: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test: test-asan test-main

bench: build
	$(BUILD)/tests/bgpdemo_bench

# Only the bgpdemo binary: the demo needs no tests built.
demo: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS) --target bgpdemo
	$(BUILD)/bgpdemo up
	$(BUILD)/bgpdemo verify
	@echo "The demo stays up: try $(BUILD)/bgpdemo peers, routes, status; 'make demo-down' ends it."

demo-down:
	$(BUILD)/bgpdemo down

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
