# Thin wrapper over CMake. Each target does its own set-up on a fresh
# Debian 12 or 13 machine (scripts/install-deps is idempotent).
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMILTER503_WERROR=ON

.PHONY: all deps build test sanitize demo deb package-test test-chroot bench fuzz format tidy clean

all: build

deps:
	scripts/install-deps test

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j 1

# The unit, fuzz-corpus, milter, syslog and Postfix tests once more with
# AddressSanitizer and UBSan in the milter and the report (.ci/run runs it).
SANITIZE_BUILD ?= build-asan
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMILTER503_WERROR=ON \
	    -DCMAKE_CXX_FLAGS="$(SANITIZE_FLAGS)" -DCMAKE_EXE_LINKER_FLAGS="$(SANITIZE_FLAGS)"
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ctest --output-on-failure -j 1 -LE 'sendmail|demo'

demo: build
	tests/integration/demo.sh $(BUILD)

deb:
	scripts/install-deps deb
	packaging/build-deb

package-test: deb
	packaging/test-package

# make test and make package-test once more on another Debian release, in
# a chroot of it (scripts/debian-chroot; made once, kept in
# /var/cache/milter503/chroot-SUITE and reused), with a build directory of
# its own. Not in .ci/run: on a 2-core machine it takes about an hour.
CHROOT_SUITE ?= trixie
test-chroot:
	scripts/debian-chroot -s $(CHROOT_SUITE) create
	scripts/debian-chroot -s $(CHROOT_SUITE) run make test BUILD=build-$(CHROOT_SUITE) JOBS=$(JOBS)
	scripts/debian-chroot -s $(CHROOT_SUITE) run make package-test

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
