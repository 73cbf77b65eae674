# Thin wrapper over CMake. Each target does its own set-up on a fresh
# Debian 12 machine (scripts/install-deps is idempotent).
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMILTER503_WERROR=ON

.PHONY: all deps build test demo deb package-test bench fuzz format tidy clean

all: build

deps:
	scripts/install-deps test

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j 1

demo: build
	tests/integration/demo.sh $(BUILD)

deb:
	scripts/install-deps deb
	packaging/build-deb

package-test: deb
	packaging/test-package

# milter503-report vs pflogsumm, then the milter vs a null milter.
bench: build
	bench/run $(BUILD)
	bench/milter-run $(BUILD)

# Coverage-guided fuzzing with clang + ASan/UBSan (not part of make test,
# which replays the kept corpus): FUZZ_SECONDS a target.
FUZZ_SECONDS ?= 60
fuzz:
	scripts/install-deps fuzz
	tests/fuzz/run $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

tidy: build
	clang-tidy -p $(BUILD) --quiet $$(git ls-files '*.cpp')

clean:
	rm -rf $(BUILD)
