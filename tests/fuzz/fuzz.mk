# tests/fuzz/fuzz.mk - the libFuzzer targets (tests/fuzz/README.md), included
# at the end of the Makefile, whose variables it uses.
#   make fuzz-build   build the targets in $(FUZZ_BUILD)
#   make fuzz         run each for FUZZ_SECONDS (FUZZ_JOBS at a time)
#   make fuzz-check   replay tests/fuzz/regress, then run each for FUZZ_CHECK_SECONDS
#                     (FUZZ_CHECK_JOBS at a time)
#   make fuzz-replay  replay tests/fuzz/regress only
# make check runs fuzz-check (FUZZ_IN_CHECK=0 leaves it out).

FUZZ_CC ?= clang
# FUZZ_STRICT=1: no exception for the known bug of tests/fuzz/README.md
ifdef FUZZ_STRICT
FUZZ_BUILD ?= build/fuzz-strict
FUZZ_DEFS = -DFUZZ_STRICT
endif
FUZZ_BUILD ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 10
FUZZ_JOBS ?= 1
# make check's fuzz-check runs the targets two at a time, each for its seconds
FUZZ_CHECK_JOBS ?= 2
FUZZ_IN_CHECK ?= 1

FUZZ_TARGETS = \
	archive \
	csv \
	email \
	fields \
	xml

# the library is instrumented for coverage, only the targets link libFuzzer's main
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(FUZZ_DEFS) $(WARN) -Werror -g -O1 -Isrc -Itests/fuzz $(PKG_CFLAGS) -MMD -MP
FUZZ_LIB_OBJS = $(LIB_SRCS:src/%.c=$(FUZZ_BUILD)/lib/%.o) $(FUZZ_BUILD)/lib/isocodes_data.o \
	$(FUZZ_BUILD)/fuzzlib.o
FUZZ_BINS = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_RUN = FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_TARGETS="$(FUZZ_TARGETS)" \
	CONFORMANCE_DIR=$(CONFORMANCE_DIR) bash tests/fuzz/run.sh

$(FUZZ_BUILD)/lib/%.o: src/%.c $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

$(FUZZ_BUILD)/lib/isocodes_data.o: $(BUILD)/isocodes_data.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

$(FUZZ_BUILD)/%.o: tests/fuzz/%.c $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/fuzz_%.o $(FUZZ_LIB_OBJS)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ -o $@ $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@$(FUZZ_RUN) run $(FUZZ_SECONDS)

fuzz-check: FUZZ_JOBS = $(FUZZ_CHECK_JOBS)
fuzz-check: fuzz-build
	@$(FUZZ_RUN) check $(FUZZ_CHECK_SECONDS)

fuzz-replay: fuzz-build
	@$(FUZZ_RUN) replay

ifeq ($(FUZZ_IN_CHECK),1)
check: fuzz-check
endif

.PHONY: fuzz fuzz-build fuzz-check fuzz-replay
.PRECIOUS: $(FUZZ_BUILD)/%.o $(FUZZ_BUILD)/lib/%.o

-include $(wildcard $(FUZZ_BUILD)/*.d $(FUZZ_BUILD)/lib/*.d)
