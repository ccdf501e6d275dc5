# Wenyuan: one Makefile, no recursion. `make help` lists the targets.
B        ?= build
PREFIX   ?= /usr/local
SHARED   ?= $(abspath ../shared)
CC       ?= cc
CXX      ?= c++

# Debian packages the project needs to build, test, fuzz and demo.
DEB_PKGS := build-essential pkg-config clang libclang-rt-14-dev \
  libxml2-dev libxml2-utils libcurl4-openssl-dev libarchive-dev libsqlite3-dev \
  libmicrohttpd-dev libssl-dev libjansson-dev libopencc-dev opencc \
  libmagic-dev libyaz-dev yaz libxapian-dev libcmocka-dev unicode-data \
  fonts-noto-cjk imagemagick curl zstd libicu-dev zlib1g-dev xxd chromium \
  libvips-dev libhttp-oai-perl libcatmandu-oai-perl jq sqlite3
PKGS     := libxml-2.0 libcurl libarchive sqlite3 libmicrohttpd libcrypto \
  jansson opencc yaz xapian-core libmagic icu-uc zlib vips

MODULES  := core formats harvester repository indexer service
SRC_C    := $(sort $(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
SRC_CC   := $(sort $(foreach m,$(MODULES),$(wildcard $(m)/*.cc)))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
TEST_SRC += $(FUZZ_SRC)

OBJ      := $(patsubst %.c,$(B)/%.o,$(SRC_C)) $(patsubst %.cc,$(B)/%.o,$(SRC_CC))
CLI_OBJ  := $(patsubst %.c,$(B)/%.o,$(CLI_SRC))
TEST_OBJ := $(patsubst %.c,$(B)/%.o,$(TEST_SRC))

WARN     := -Wall -Wextra -Wshadow -Wvla -Werror -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CPPFLAGS += -I. -I$(B)/gen -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
            -DWY_SHARED_DEFAULT='"$(SHARED)"' -DWY_SRCDIR='"$(CURDIR)"'
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS      = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer

.PHONY: all deps check-deps test e2e demo fuzz fuzz-run bench lint install clean help

all: check-deps $(B)/wenyuan

help:
	@echo "make            build build/wenyuan"
	@echo "make deps       install the Debian packages (as root) or print the command"
	@echo "make test       build with ASan+UBSan and run every test group"
	@echo "make demo       run the main job on samples/"
	@echo "make e2e        the web page in headless Chromium and three OAI-PMH harvesters (tests/e2e)"
	@echo "make fuzz       build the libFuzzer targets into build-fuzz/"
	@echo "make install    install wenyuan into PREFIX ($(PREFIX))"

# Installs what is missing when root; otherwise prints the exact command.
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "deps: missing packages; run: sudo apt-get install -y $$missing"; exit 1; fi

check-deps:
	@pkg-config --exists $(PKGS) || { echo "missing libraries: run 'make deps'"; \
	  pkg-config --print-errors --exists $(PKGS); exit 1; }

# Generated registries: test groups and cli commands are discovered from the
# sources (libarchive's DEFINE_TEST idea), so no list is kept by hand.
$(B)/gen/test_groups.h: $(TEST_SRC)
	@mkdir -p $(@D)
	@grep -h '^WY_GROUP(' $(TEST_SRC) | sed 's/^WY_GROUP(\([a-z0-9_]*\).*/X(\1)/' > $@.tmp && mv $@.tmp $@
$(B)/gen/fuzz_targets.h: $(FUZZ_SRC)
	@mkdir -p $(@D)
	@grep -h '^WY_FUZZ_TARGET(' $(FUZZ_SRC) /dev/null | sed 's/^WY_FUZZ_TARGET(\([a-z0-9_]*\).*/X(\1)/' > $@.tmp && mv $@.tmp $@
$(B)/gen/commands.h: $(CLI_SRC)
	@mkdir -p $(@D)
	@grep -h '^WY_COMMAND(' $(CLI_SRC) | sed 's/^WY_COMMAND(\([a-z0-9_]*\), *\(".*"\))$$/X(\1, \2)/' > $@.tmp && mv $@.tmp $@

$(B)/tests/main.o: $(B)/gen/test_groups.h
$(B)/tests/test_fuzz_regress.o: $(B)/gen/fuzz_targets.h
$(B)/cli/main.o: $(B)/gen/commands.h

# The web page's assets, compiled in (xxd -i) with a table of their names.
ASSETS   := $(sort $(wildcard service/assets/*))
$(B)/gen/assets.h: $(ASSETS)
	@mkdir -p $(@D)
	@{ for f in $(ASSETS); do xxd -i $$f | sed 's/^unsigned/static const unsigned/'; done; \
	  echo '#define WY_ASSET_LIST \'; for f in $(ASSETS); do \
	  echo "  X($$(echo $$f | sed 's/[^a-zA-Z0-9]/_/g'), \"$$(basename $$f)\") \\"; done; \
	  echo; } > $@.tmp && mv $@.tmp $@
$(B)/service/web.o: $(B)/gen/assets.h

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC   $<"
	@$(CC) -std=c11 $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@
$(B)/%.o: %.cc
	@mkdir -p $(@D)
	@echo "  CXX  $<"
	@$(CXX) -std=c++17 $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(B)/libwenyuan.a: $(OBJ)
	@rm -f $@
	@$(AR) rcs $@ $^
$(B)/wenyuan: $(CLI_OBJ) $(B)/libwenyuan.a
	@echo "  LD   $@"
	@$(CXX) $(LDFLAGS) -o $@ $(CLI_OBJ) $(B)/libwenyuan.a $(LIBS)

$(B)/run-tests: $(TEST_OBJ) $(filter-out $(B)/cli/main.o,$(CLI_OBJ)) $(B)/libwenyuan.a
	@echo "  LD   $@"
	@$(CXX) $(LDFLAGS) -o $@ $(TEST_OBJ) $(filter-out $(B)/cli/main.o,$(CLI_OBJ)) \
	  $(B)/libwenyuan.a $(LIBS) -lcmocka

-include $(OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)

# The test build: its own directory, ASan + UBSan, no recovery.
# T=group runs one group; the last line is "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) B=build-san CFLAGS="-O1 -g $(SAN)" \
	  LDFLAGS="$(SAN)" build-san/run-tests build-san/wenyuan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  WY_SHARED="$(SHARED)" WY_BIN="$(CURDIR)/build-san/wenyuan" \
	  build-san/run-tests $(T)

demo: deps all
	@sh samples/demo.sh $(B)/wenyuan

e2e: deps all
	@sh tests/e2e/run.sh $(B)/wenyuan
	@sh tests/e2e/interop.sh $(B)/wenyuan

# libFuzzer targets: one per parser of outside input.
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
fuzz: deps
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang CXX=clang++ \
	  CFLAGS="-O1 -g $(FUZZ_FLAGS) -DWY_FUZZING" build-fuzz/libwenyuan.a
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); echo "  FUZZ $$n"; \
	  clang -std=c11 $(CPPFLAGS) $(PKG_CFLAGS) -O1 -g -DWY_FUZZ_ENTRY=wy_$$n \
	    -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
	    -fsanitize-link-c++-runtime \
	    $$f -o build-fuzz/$$n \
	    build-fuzz/libwenyuan.a $(LIBS) -lstdc++ || exit 1; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(B)/wenyuan $(DESTDIR)$(PREFIX)/bin/wenyuan

lint:
	@clang-format --dry-run --Werror $(SRC_C) $(CLI_SRC) 2>&1 | head -50

clean:
	rm -rf build build-san build-fuzz
