# acctbatch - plain Makefile, no recursion.
#   make            build build/acctbatch
#   make check      every test, normally and under ASan+UBSan, with -Werror
#   make demo       build and import samples/onboarding into a fresh database
#   make bench      the benchmark of DESIGN section 8 (ratios and peak memory)
#   make install    PREFIX=/usr/local DESTDIR=
# Dependencies are Debian packages (tools/deps.sh installs them as root, or
# prints the apt-get line to run).

PREFIX ?= /usr/local
# 'make unit' and 'make e2e' on their own use the test build too
ifneq ($(filter unit e2e,$(MAKECMDGOALS)),)
TEST_HOOKS ?= 1
BUILD ?= build/check
endif
DESTDIR ?=
CC ?= cc
CFLAGS ?= -O2 -g
BUILD ?= build
CONFORMANCE_DIR ?= ../shared/conformance

WARN = -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wwrite-strings -Wvla
PKGS = libxml-2.0 sqlite3 libarchive libsodium jansson
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread
ISO_JSON = /usr/share/iso-codes/json

ifdef SANITIZE
SAN = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ifdef WERROR
WARN += -Werror
endif
# Test builds (make check, TEST_HOOKS=1) link the same objects as a release
# build, plus tests/hooks.c, which wraps the seams of src/seams.h at link
# time: ACCTBATCH_NOW, ACCTBATCH_TEST_WEAK_HASH, ACCTBATCH_TEST_FAIL_READ_AT and
# ACCTBATCH_TEST_PAUSE_AT. A release build cannot honour them.
ifdef TEST_HOOKS
HOOK_OBJS = $(BUILD)/tests/hooks.o
HOOK_LDFLAGS = -Wl,--wrap=seam_now,--wrap=seam_hash_limits,--wrap=seam_read_faults
endif

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(SAN) -Isrc -I$(BUILD) $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(HOOK_LDFLAGS) $(LDFLAGS)

LIB_SRCS = \
	src/archive_in.c \
	src/bundle.c \
	src/csvio.c \
	src/diag.c \
	src/email.c \
	src/entity.c \
	src/error.c \
	src/export.c \
	src/image.c \
	src/import.c \
	src/inputs.c \
	src/login_hash.c \
	src/isocodes.c \
	src/journal.c \
	src/lists.c \
	src/keyset.c \
	src/outfile.c \
	src/relay.c \
	src/prefetch.c \
	src/rejects.c \
	src/revert.c \
	src/rules.c \
	src/report.c \
	src/seams.c \
	src/secret.c \
	src/source.c \
	src/spool.c \
	src/stop.c \
	src/store.c \
	src/xmlio.c \
	src/xsd.c
CMD_SRCS = \
	src/cmd_export.c \
	src/cmd_history.c \
	src/cmd_revert.c \
	src/cmd_import.c \
	src/cmd_init.c \
	src/cmd_lists.c \
	src/cmd_schema.c \
	src/cmd_validate.c \
	src/main.c
TESTS = \
	test_archive \
	test_csvio \
	test_email \
	test_import \
	test_import_store \
	test_lists \
	test_entity \
	test_export \
	test_store \
	test_util \
	test_xmlio \
	test_xsd

LIB_OBJS = $(LIB_SRCS:src/%.c=$(BUILD)/%.o) $(BUILD)/isocodes_data.o
CMD_OBJS = $(CMD_SRCS:src/%.c=$(BUILD)/%.o)
TEST_BINS = $(TESTS:%=$(BUILD)/tests/%)

all: $(BUILD)/acctbatch

$(BUILD)/.deps-ok: tools/deps.sh
	@./tools/deps.sh
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/gen_isocodes: tools/gen_isocodes.c $(BUILD)/.deps-ok
	$(CC) -std=c11 $(WARN) $(CFLAGS) $(shell pkg-config --cflags jansson) $< -o $@ $(shell pkg-config --libs jansson)

$(BUILD)/isocodes_data.c: $(BUILD)/gen_isocodes $(ISO_JSON)/iso_3166-1.json $(ISO_JSON)/iso_4217.json
	$(BUILD)/gen_isocodes $(ISO_JSON)/iso_3166-1.json $(ISO_JSON)/iso_4217.json > $@.tmp && mv $@.tmp $@

$(BUILD)/isocodes_data.o: $(BUILD)/isocodes_data.c
	@echo "  CC      $@"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/%.o: src/%.c $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/acctbatch: $(LIB_OBJS) $(CMD_OBJS) $(HOOK_OBJS)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ $(PKG_LIBS)

# The objects of a test build are compiled exactly as a release build's:
# linked without the hooks, they are the release binary (tests/release.sh).
$(BUILD)/acctbatch-release: $(LIB_OBJS) $(CMD_OBJS)
	$(CC) $(SAN) $(LDFLAGS) $^ -o $@ $(PKG_LIBS)

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags cmocka) -c $< -o $@

# test_store counts the store's SQLite work through the progress handler's calls
$(BUILD)/tests/test_store: LDFLAGS += -Wl,--wrap=stop_signal

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/testlib.o $(LIB_OBJS) $(HOOK_OBJS)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ $(PKG_LIBS) $(shell pkg-config --libs cmocka)

# The checked-in schemas are generated from src/entity.c; test_xsd keeps them current.
schemas: $(BUILD)/acctbatch
	for e in accounts logins contacts invoices; do $(BUILD)/acctbatch schema $$e > schemas/$$e.xsd; done

unit: $(BUILD)/acctbatch $(TEST_BINS)
	@set -e; for t in $(TEST_BINS); do \
		echo "== $$t"; CONFORMANCE_DIR=$(CONFORMANCE_DIR) ACCTBATCH=$(BUILD)/acctbatch $$t; done

# the shell tests, one target each, so that make check can run them side by side
SHELL_TESTS = e2e bad_samples hardening faults crash

e2e: $(SHELL_TESTS:%=shell-test-%)

$(SHELL_TESTS:%=shell-test-%): shell-test-%: $(BUILD)/acctbatch $(BUILD)/gen_nasty
	@ACCTBATCH=$(abspath $(BUILD)/acctbatch) CONFORMANCE_DIR=$(abspath $(CONFORMANCE_DIR)) \
		GEN_NASTY=$(abspath $(BUILD)/gen_nasty) bash tests/$*.sh

FORMATTED = src/*.c src/*.h tests/*.c tests/*.h tools/*.c

format:
	clang-format -i $(FORMATTED)

check-format: $(BUILD)/.deps-ok
	clang-format --dry-run --Werror $(FORMATTED)

check: check-format
	@test -d $(CONFORMANCE_DIR) || { echo "make check needs the conformance data in $(CONFORMANCE_DIR) (set CONFORMANCE_DIR=...)"; exit 1; }
	@# the two test variants are built first, two compilers at a time; then their tests
	@# (unit, and each shell script) run four at a time: much of the shell tests' time is
	@# waiting (lock timeouts, signals, killed runs); each target's output is printed whole
	$(MAKE) -j2 WERROR=1 TEST_HOOKS=1 BUILD=build/check check-binaries
	$(MAKE) -j2 WERROR=1 TEST_HOOKS=1 BUILD=build/asan CC=clang SANITIZE=address,undefined CFLAGS="-O1 -g" check-binaries
	$(MAKE) -j4 --output-sync=target check-tests-gcc check-tests-asan
	@ACCTBATCH=$(abspath build/check/acctbatch-release) bash tests/release.sh
	@echo "make check: all tests passed (gcc build, clang ASan+UBSan build, and the release build)"

# the tests of one variant (make check runs the two side by side)
check-tests-gcc:
	$(MAKE) WERROR=1 TEST_HOOKS=1 BUILD=build/check unit e2e
check-tests-asan:
	$(MAKE) WERROR=1 TEST_HOOKS=1 BUILD=build/asan CC=clang SANITIZE=address,undefined CFLAGS="-O1 -g" unit e2e

# what unit and e2e run, built (make check builds it with -j2)
check-binaries: $(BUILD)/acctbatch $(BUILD)/acctbatch-release $(BUILD)/gen_nasty $(TEST_BINS)

$(BUILD)/gen_bench: tools/gen_bench.c $(BUILD)/.deps-ok
	$(CC) -std=c11 $(WARN) -O2 $< -o $@

$(BUILD)/gen_nasty: tools/gen_nasty.c $(BUILD)/.deps-ok
	$(CC) -std=c11 $(WARN) -O2 $< -o $@

bench: $(BUILD)/acctbatch $(BUILD)/gen_bench
	ACCTBATCH=$(abspath $(BUILD)/acctbatch) GEN_BENCH=$(abspath $(BUILD)/gen_bench) bash tools/bench.sh

demo: $(BUILD)/acctbatch
	rm -f demo.db demo.db-wal demo.db-shm
	$(BUILD)/acctbatch --db demo.db import samples/onboarding/csv

install: $(BUILD)/acctbatch
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/acctbatch/schemas
	install -m 755 $(BUILD)/acctbatch $(DESTDIR)$(PREFIX)/bin/acctbatch
	install -m 644 docs/acctbatch.1 $(DESTDIR)$(PREFIX)/share/man/man1/acctbatch.1
	install -m 644 schemas/*.xsd $(DESTDIR)$(PREFIX)/share/acctbatch/schemas/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/acctbatch $(DESTDIR)$(PREFIX)/share/man/man1/acctbatch.1
	rm -rf $(DESTDIR)$(PREFIX)/share/acctbatch

clean:
	rm -rf build demo.db demo.db-wal demo.db-shm

.PHONY: all check check-binaries check-tests-gcc check-tests-asan unit e2e $(SHELL_TESTS:%=shell-test-%) demo bench install uninstall clean schemas format check-format
.PRECIOUS: $(BUILD)/tests/%.o

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
include tests/fuzz/fuzz.mk
