# reliefstat - build, test and run.
#
#   make            build bin/rs-* and bin/reliefstat
#   make test       build, then run the test suite (tests/run.sh)
#   make run        run the sample year-end pipeline into out/
#   make install PREFIX=/usr/local    (make uninstall PREFIX=... undoes it)
#   make SANITIZE=address,undefined test   (programs in bin-san/)
#   make FAULT=1        fault-injection build in bin-fault/ (make test builds
#                       it too: tests/t_faults.sh fails every allocation
#                       and write in turn)
#   make fuzz [FUZZ_SECONDS=60]   libFuzzer targets, tests/fuzz/README.md
#   make valgrind       the sample pipeline under valgrind memcheck
#
# Missing system packages are installed with apt-get when running as root;
# otherwise the build stops and prints the command to run (make deps).

PREFIX ?= /usr/local
CC ?= cc
OPT ?= -O2
CFLAGS_WARN = -Wall -Wextra -Werror -Wstrict-prototypes -Wvla -Wwrite-strings \
	-Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Icommon $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2) -DRS_VERSION='"$(VERSION)"' \
	-DRS_DATADIR='"$(PREFIX)/share/reliefstat"'
CFLAGS ?= $(OPT) -g
CFLAGS += -std=c11 $(CFLAGS_WARN) $(CFLAGS_EXTRA)
LDLIBS = -ljansson -lcsv -lyaml -lz -ldeflate -lisal -lsodium -lxxhash -lopencc -lxlsxwriter \
	$(shell pkg-config --libs libzip libxml-2.0 freexl 2>/dev/null || echo -lzip -lxml2 -lfreexl) -lm -pthread
# rs-load alone talks to the databases.
LDLIBS_load = -lsqlite3 -lpq -ljansson
CPPFLAGS_load = -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
VERSION = 0.1.0

# Each kind of build has its own object and program directories (build/
# and bin/, build-san/ and bin-san/, build-fault/ and bin-fault/,
# build-san-fault/ and bin-san-fault/), so a sanitizer or fault-injection
# build never overwrites bin/; `make test` runs the suite against the
# programs of the build it made (RS_BIN) and its fault-injection twin
# (RS_FAULT_BIN).
VARIANT = $(if $(SANITIZE),-san)$(if $(FAULT),-fault)
BUILD = build$(VARIANT)
BIN = bin$(VARIANT)
ifdef SANITIZE
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif
ifdef FAULT
# make FAULT=1: RS_FAIL_ALLOC=N / RS_FAIL_WRITE=N fail the Nth allocation or
# output write (common/xalloc.c, common/fileio.c); tests/t_faults.sh uses it.
CPPFLAGS += -DRS_FAULT_INJECTION
endif
FAULT_BIN = bin$(if $(SANITIZE),-san)-fault

COMMON_SRC = $(wildcard common/*.c)
COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIB = $(BUILD)/librs.a

STAGES = ingest validate aggregate merge report load draft
PROGS = $(STAGES:%=$(BIN)/rs-%) $(BIN)/reliefstat $(BIN)/rs-gen
TEST_PROGS = $(BIN)/rs-csvdump $(BIN)/rs-floor

# Made once the build's packages are there; remade when tests/deps.sh
# changes, so that a package added to its list (libdeflate-dev) is checked
# for, and installed, in a build directory made before it.
DEPS_STAMP = $(BUILD)/.deps-ok

all: $(PROGS) $(TEST_PROGS) samples/keys/demo.key.installed

$(DEPS_STAMP): tests/deps.sh
	@sh tests/deps.sh build
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/%.o: %.c $(wildcard common/*.h) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -c -o $@ $<

$(LIB): $(COMMON_OBJ)
	rm -f $@ && ar rcs $@ $^

define stage_rule
$(BIN)/rs-$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard stages/$(1)/*.c)) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $$@ $$^ $(LDLIBS_$(1)) $(LDLIBS)
$(BUILD)/stages/$(1)/%.o: CPPFLAGS += $(CPPFLAGS_$(1))
endef
$(foreach s,$(STAGES),$(eval $(call stage_rule,$(s))))

# The runner's `check` uses the stages' own checks of rules and mappings.
$(BIN)/reliefstat: $(patsubst %.c,$(BUILD)/%.o,$(wildcard pipelines/runner/*.c)) \
		$(BUILD)/stages/validate/rules.o $(BUILD)/stages/ingest/mapping.o $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/rs-gen: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/gen/*.c)) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/rs-csvdump: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/csvdump/*.c)) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# make bench's real-codec floor: a stage's I/O through common/fileio.c.
$(BIN)/rs-floor: $(BUILD)/tests/bench/rfloor.o $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The demo key must not be readable by group or others (SPEC.md section 5);
# git does not keep that mode, so the build sets it before any use.
samples/keys/demo.key.installed: samples/keys/demo.key
	chmod 0600 samples/keys/demo.key
	@touch $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

test: all fuzz-replay fault
	@sh tests/deps.sh test
	RS_BIN=$(CURDIR)/$(BIN) RS_FAULT_BIN=$(CURDIR)/$(FAULT_BIN) \
		RS_SANITIZE=$(SANITIZE) bash tests/run.sh

# The fault-injection twin of this build (bin-fault/ or bin-san-fault/),
# which tests/t_faults.sh drives.
fault:
	$(MAKE) FAULT=1 SANITIZE=$(SANITIZE) all

# Fuzzing (tests/fuzz/README.md). Every build also makes each fuzz target
# with a standalone main ($(BIN)/rs-fuzz-NAME FILE...), so `make test`
# replays every input kept under tests/fuzz/regress/ (under the sanitizers
# in a SANITIZE build). `make fuzz` builds the same targets with clang's
# libFuzzer into bin-fuzz/ and runs each for FUZZ_SECONDS.
FUZZ_TARGETS = csv ingest records aggrd mask yaml_mapping yaml_rules yaml_catalog workbook \
	yaml_pipeline
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN ?= fuzzer,address,undefined
FUZZ_PARTS = stages/ingest stages/validate stages/aggregate stages/merge \
	pipelines/runner
fuzz_objs = $(patsubst %.c,$(BUILD)/%.o,$(filter-out %/main.c,$(wildcard $(1)/*.c)))
FUZZ_ARCHIVES = $(foreach d,$(FUZZ_PARTS),$(BUILD)/fuzz/$(notdir $(d)).a)
ifeq ($(FUZZ_ENGINE),libfuzzer)
FUZZ_MAIN =
LDFLAGS += -fsanitize=$(FUZZ_SAN)
# tests/fuzz/fuzz_workbook.c leaves .xls inputs to the replay: FreeXL runs
# in a child process, whose crashes libFuzzer would take for its own.
CFLAGS += -DRS_LIBFUZZER
else
FUZZ_MAIN = $(BUILD)/tests/fuzz/replay.o
endif
FUZZ_PROGS = $(FUZZ_TARGETS:%=$(BIN)/rs-fuzz-%)

define fuzz_archive
$(BUILD)/fuzz/$(notdir $(1)).a: $(call fuzz_objs,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,$(FUZZ_PARTS),$(eval $(call fuzz_archive,$(d))))

$(BIN)/rs-fuzz-%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/fuzzlib.o \
		$(FUZZ_MAIN) $(FUZZ_ARCHIVES) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

fuzz-replay: $(FUZZ_PROGS)

fuzz: all
	@sh tests/deps.sh fuzz
	$(MAKE) BUILD=build-fuzz BIN=bin-fuzz CC=$(FUZZ_CC) FUZZ_ENGINE=libfuzzer \
		OPT=-O1 CFLAGS_EXTRA="-fsanitize=$(FUZZ_SAN) -fno-sanitize-recover=all" \
		fuzz-replay
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The sample pipeline under valgrind memcheck (every stage too), no errors
# and no leaks.
valgrind: all
	sh tests/valgrind.sh $(BIN)

# A single-node Slurm cluster (installed when missing; root), the
# partitioned pipeline on it, compared with a local run.
test-slurm: all
	bash tests/slurm/run.sh

# Renders the published HTML report in headless Chromium: out/screenshot.png.
screenshot: all
	@sh tests/deps.sh screenshot
	sh tests/report/screenshot.sh out

# Measures; never part of make test (tests/bench/run.sh, BENCH_ROWS=...).
bench: all
	bash tests/bench/run.sh

run: all
	$(BIN)/reliefstat run pipelines/yearend.yaml

deps:
	@sh tests/deps.sh build
	@sh tests/deps.sh test

# PREFIX counts at install time too: the programs find their data in
# ../share/reliefstat beside their bin/ (common/canon.h rs_data_path), not
# at the PREFIX they were built with. Man pages are made from each
# program's --help and --version by help2man; uninstall removes exactly
# what install put there, and the directories it may have made once empty (never PREFIX itself).
DATA_FILES = regions.csv programs.yaml programs-local.yaml rules.yaml
PROG_NAMES = $(notdir $(PROGS))
MAN_DESC_reliefstat = run a reliefstat pipeline: stages that changed, in order
MAN_DESC_rs-ingest = read a social-assistance export into canonical records
MAN_DESC_rs-validate = check canonical records against rules and reference data
MAN_DESC_rs-aggregate = aggregate valid records into a mergeable leaf file
MAN_DESC_rs-merge = merge aggregate files into one
MAN_DESC_rs-report = write year-end tables from an aggregate file
MAN_DESC_rs-load = load a run's results into SQLite or PostgreSQL
MAN_DESC_rs-gen = write a synthetic social-assistance export
MANS = $(PROG_NAMES:%=$(BUILD)/man/%.1)

man: $(MANS)

$(BUILD)/man/%.1: $(BIN)/%
	@sh tests/deps.sh man
	@mkdir -p $(dir $@)
	RS_DATADIR= help2man -N --no-discard-stderr -n "$(MAN_DESC_$*)" \
		-o $@.tmp ./$< && mv $@.tmp $@

install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/reliefstat \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(DATA_FILES:%=samples/reference/%) \
		$(DESTDIR)$(PREFIX)/share/reliefstat/
	install -m 0644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1/

uninstall:
	rm -f $(PROG_NAMES:%=$(DESTDIR)$(PREFIX)/bin/%) \
		$(DATA_FILES:%=$(DESTDIR)$(PREFIX)/share/reliefstat/%) \
		$(PROG_NAMES:%=$(DESTDIR)$(PREFIX)/share/man/man1/%.1)
	@for d in share/reliefstat bin share/man/man1 share/man share; do \
		rmdir --ignore-fail-on-non-empty $(DESTDIR)$(PREFIX)/$$d 2>/dev/null; \
	done; true

clean:
	rm -rf build build-san build-fault build-san-fault build-fuzz bin bin-san \
		bin-fault bin-san-fault bin-fuzz out samples/keys/demo.key.installed

.PHONY: all test run deps install uninstall man clean fault fuzz fuzz-replay valgrind test-slurm screenshot bench
.DELETE_ON_ERROR:
