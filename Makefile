# SPDX-License-Identifier: GPL-2.0-or-later
# A thin front for Meson: each verb is one or two commands, no build logic.
BUILD      ?= build
REL        ?= build-rel
FUZZ       ?= build-fuzz
MESON_DBG  := -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug
MESON_REL  := --buildtype=release -Db_lto=true
SAN_ENV    := ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ARGS       ?=
# make install: where (PREFIX; SYSCONFDIR defaults to meson's choice, /etc for
# PREFIX=/usr) and under which staging root (DESTDIR).
PREFIX     ?= /usr/local
SYSCONFDIR ?=
DESTDIR    ?=

.PHONY: all build run test bench fuzz format lint release install uninstall clean help \
	setup-build setup-lint setup-test setup-bench setup-fuzz unit-tests-on

all: build

help:
	@echo "make          build build/connmon (debug, ASan+UBSan)"
	@echo "make run      install what is missing, build, run the overview (ARGS=... for more)"
	@echo "make test     install what is missing, build, run every test; ends with 'N passed, N failed'"
	@echo "make bench    release build + every benchmark against its peers (root; BENCH=socket,flows,... picks)"
	@echo "make fuzz     build the libFuzzer targets with clang and run each for FUZZ_SECONDS"
	@echo "make format   clang-format every source file in place"
	@echo "make lint     banned functions, layer boundaries, formatting"
	@echo "make release  optimised, hardened build in build-rel/"
	@echo "make install  release build installed under PREFIX (/usr/local) into DESTDIR; make uninstall"

setup-build:
	@scripts/setup.sh build

setup-lint:
	@scripts/setup.sh lint

setup-test:
	@scripts/setup.sh test

setup-bench:
	@scripts/setup.sh bench

setup-fuzz:
	@scripts/setup.sh fuzz

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_DBG)

build: setup-build $(BUILD)/build.ninja
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)

run: build
	@$(BUILD)/connmon $(ARGS)

# The unit tests are a feature that is off where cmocka is missing (build-only
# verbs do not need it); the test verb turns it on, so there a missing cmocka
# fails the configure instead of skipping the unit tests.  Reconfigures only
# when the option changes: a build dir made by `make run` before cmocka was
# installed picks it up here.
unit-tests-on: $(BUILD)/build.ninja
	@meson introspect --buildoptions $(BUILD) | python3 -c 'import json, sys; \
		sys.exit(not any(o["name"] == "unit_tests" and o["value"] == "enabled" for o in json.load(sys.stdin)))' || \
		meson setup --reconfigure $(BUILD) -Dunit_tests=enabled >/dev/null

test: setup-test unit-tests-on
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)
	@scripts/run-tests.sh $(BUILD)

$(REL)/build.ninja:
	meson setup $(REL) $(MESON_REL)

release: setup-build $(REL)/build.ninja
	@ninja -C $(REL) >/dev/null || ninja -C $(REL)

# The release build with its install paths set, then meson install (which
# regenerates the build for the new paths first; binary,
# man pages, completion, unit, config: docs/PACKAGING.md).
install: release
	@meson configure $(REL) -Dprefix=$(PREFIX) $(if $(SYSCONFDIR),-Dsysconfdir=$(SYSCONFDIR))
	meson install -C $(REL) $(if $(DESTDIR),--destdir $(abspath $(DESTDIR)))

# Removes what the last make install of build-rel/ installed (meson's install log).
uninstall:
	ninja -C $(REL) uninstall

bench: setup-bench release
	@bench/all.sh $(REL)

$(FUZZ)/build.ninja:
	CC=clang meson setup $(FUZZ) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link -Dfuzzers=true -Dfuzz_link_args=-fsanitize=fuzzer

FUZZ_SECONDS ?= 60
fuzz: setup-fuzz $(FUZZ)/build.ninja
	@ninja -C $(FUZZ) >/dev/null || ninja -C $(FUZZ)
	@scripts/fuzz.sh $(FUZZ) $(FUZZ_SECONDS)

format: setup-lint
	@git ls-files '*.c' '*.h' | xargs clang-format -i

lint: setup-lint
	@scripts/lint.sh

clean:
	rm -rf $(BUILD) $(REL) $(FUZZ)
