# reliefstat - build, test and run.
#
#   make            build bin/rs-* and bin/reliefstat
#   make test       build, then run the test suite (tests/run.sh)
#   make run        run the sample year-end pipeline into out/
#   make install PREFIX=/usr/local
#   make SANITIZE=address,undefined test
#
# Missing system packages are installed with apt-get when running as root;
# otherwise the build stops and prints the command to run (make deps).

PREFIX ?= /usr/local
CC ?= cc
OPT ?= -O2
CFLAGS_WARN = -Wall -Wextra -Werror -Wstrict-prototypes -Wvla -Wwrite-strings \
	-Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Icommon -DRS_VERSION='"$(VERSION)"' \
	-DRS_DATADIR='"$(PREFIX)/share/reliefstat"'
CFLAGS ?= $(OPT) -g
CFLAGS += -std=c11 $(CFLAGS_WARN)
LDLIBS = -lcsv -lyaml -lz -lsodium -lopencc -lm
VERSION = 0.1.0

ifdef SANITIZE
BUILD = build-san
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
else
BUILD = build
endif
BIN = bin

COMMON_SRC = $(wildcard common/*.c)
COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIB = $(BUILD)/librs.a

STAGES = ingest validate aggregate merge report
PROGS = $(STAGES:%=$(BIN)/rs-%) $(BIN)/reliefstat $(BIN)/rs-gen
TEST_PROGS = $(BIN)/rs-csvdump

DEPS_STAMP = $(BUILD)/.deps-ok

all: $(PROGS) $(TEST_PROGS) samples/keys/demo.key.installed

$(DEPS_STAMP):
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
	$(CC) $(LDFLAGS) -o $$@ $$^ $(LDLIBS)
endef
$(foreach s,$(STAGES),$(eval $(call stage_rule,$(s))))

$(BIN)/reliefstat: $(patsubst %.c,$(BUILD)/%.o,$(wildcard pipelines/runner/*.c)) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/rs-gen: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/gen/*.c)) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/rs-csvdump: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/csvdump/*.c)) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The demo key must not be readable by group or others (SPEC.md section 5);
# git does not keep that mode, so the build sets it before any use.
samples/keys/demo.key.installed: samples/keys/demo.key
	chmod 0600 samples/keys/demo.key
	@touch $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

test: all
	@sh tests/deps.sh test
	bash tests/run.sh

run: all
	$(BIN)/reliefstat run pipelines/yearend.yaml

deps:
	@sh tests/deps.sh build
	@sh tests/deps.sh test

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/reliefstat
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 samples/reference/regions.csv samples/reference/programs.yaml \
		samples/reference/programs-local.yaml samples/reference/rules.yaml \
		$(DESTDIR)$(PREFIX)/share/reliefstat/

clean:
	rm -rf build build-san bin out samples/keys/demo.key.installed

.PHONY: all test run deps install clean
.DELETE_ON_ERROR:
