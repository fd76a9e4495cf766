# domecek-jobs - build, test, bench, install.
#
#   make            build build/domecek-jobs
#   make run        install missing dependencies, build, migrate, start
#   make test       unit + integration tests, plain and under ASan+UBSan
#   make test-long  the long tests in tests/long (crash test), check-torture
#   make check-valgrind  unit tests under valgrind --leak-check=full
#   make check-torture   unit tests with the Nth allocation failing (ASan)
#   make bench      benchmarks in tools/bench (figures on stdout)
#   make deb        Debian packages (this machine's arch, and arm64 cross
#                   built on amd64) in build/deb, by tools/build-deb
#   make test-package  builds them and runs tests/package (lintian, install
#                   into a scratch root, upgrade, arm64 under qemu-user)
#   make deps       dependencies point down the layers (tools/deps)
#   make lint       clang-format check, whole SQL lines, cppcheck
#   make CC=clang   the same with clang;  V=1 shows the commands
#   tools/cross-arm64   arm64 (Raspberry Pi) cross build into build/arm64
#
# Out-of-tree build in $(BUILD); header dependencies tracked with -MMD.

BUILD   ?= build
CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
SAN     ?=
PKG_CONFIG ?= pkg-config
HOST_CC ?= cc

PKGS := sqlite3 libcurl libcjson libarchive libmicrohttpd
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) \
              -lmbedtls -lmbedx509 -lmbedcrypto -lm
TEST_LIBS  := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

OPT      ?= -O2 -g
IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -q clang && echo 1)
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
            $(if $(IS_CLANG),,-Wno-format-truncation)
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SANFLAGS := $(if $(SAN),$(SANITIZE))
CFLAGS_ALL := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SANFLAGS) \
              -Iinclude -I$(BUILD)/gen $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

SRC      := $(wildcard src/*.c src/*/*.c)
# The demo generator (src/demo, its fixture files) is not part of the
# daemon's library: libdemo.a is linked into the binary, the unit tests
# (tests/unit/testdb.c inserts rows with it) and the benchmarks.
DEMO_SRC := $(wildcard src/demo/*.c)
LIB_SRC  := $(filter-out src/main.c $(DEMO_SRC),$(SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/schema.o $(BUILD)/gen/assets.o
DEMO_OBJ := $(DEMO_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/demo_fixtures.o
BIN      := $(BUILD)/domecek-jobs
LIB      := $(BUILD)/libdomecek.a
DEMO_LIB := $(BUILD)/libdemo.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# The one test database fixture (tests/unit/testdb.h), linked into every
# unit test program.
TEST_SUPPORT := tests/unit/testdb.c
TEST_SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/%.o)
BENCH_SRC := $(wildcard tools/bench/*.c)
BENCH_BIN := $(BENCH_SRC:tools/bench/%.c=$(BUILD)/bench/%)
SCHEMA   := $(sort $(wildcard schema/*.sql))
ASSETS   := $(sort $(wildcard assets/templates/* assets/dashboard/*))
DEMO_ASSETS := $(sort $(wildcard assets/demo/*.jpg assets/demo/*.png assets/demo/*.pdf))

# The version is written in one place, the first line of debian/changelog
# ("domecek-jobs (0.1.0) unstable; ..."): --version prints it, the package
# carries it, and tests/package/version.sh checks the man page and README.
VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog 2>/dev/null)
$(if $(VERSION),,$(error no version: debian/changelog is missing or its first line has no "(VERSION)"))

.PHONY: all run test test-long deb test-package check check-asan check-valgrind check-torture torture-tests tests bench install clean format lint deps fuzz

all: $(BIN)

# The CLI (in libdomecek) calls the demo, which calls storage (in
# libdomecek): a group, so the archives' order does not matter.
$(BIN): $(BUILD)/src/main.o $(LIB) $(DEMO_LIB)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(BUILD)/src/main.o \
	  -Wl,--start-group $(LIB) $(DEMO_LIB) -Wl,--end-group $(PKG_LIBS)

$(LIB): $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(DEMO_LIB): $(DEMO_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# The users of include/base/version.h: rebuilt when the version changes.
VERSION_USERS := $(BUILD)/src/cli/cli.o $(BUILD)/src/http/dashboard_box.o
$(VERSION_USERS): debian/changelog
$(VERSION_USERS): CFLAGS_ALL += -DDOMECEK_VERSION='"$(VERSION)"'

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

# Migrations and assets are compiled into the binary: no run-time lookup.
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) -std=c11 -O1 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/gen/schema.c: $(BUILD)/tools/embed $(SCHEMA)
	@mkdir -p $(dir $@)
	@echo "  EMBED   $@"
	$(Q)$(BUILD)/tools/embed schema $(SCHEMA) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/assets.c: $(BUILD)/tools/embed $(ASSETS)
	@mkdir -p $(dir $@)
	@echo "  EMBED   $@"
	$(Q)$(BUILD)/tools/embed assets $(ASSETS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/demo_fixtures.c: $(BUILD)/tools/embed $(DEMO_ASSETS)
	@mkdir -p $(dir $@)
	@echo "  EMBED   $@"
	$(Q)$(BUILD)/tools/embed assets:demo_fixtures $(DEMO_ASSETS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(Q)$(CC) $(CFLAGS_ALL) -Iinclude -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(TEST_SUPPORT_OBJ) $(DEMO_LIB) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS_ALL) -Itests/unit -MMD -MP -o $@ $< $(TEST_SUPPORT_OBJ) $(DEMO_LIB) $(LIB) $(PKG_LIBS) $(TEST_LIBS) $(LDFLAGS_ALL)

$(BUILD)/bench/%: tools/bench/%.c $(DEMO_LIB) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -o $@ $< $(DEMO_LIB) $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

tests: $(BIN) $(UNIT_BIN)

# The README's test command: every test, plain and under ASan+UBSan.
test:
	$(Q)tools/install-deps --quiet
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT="-O1 -g" tests
	$(Q)tests/run $(BUILD) build/asan

# Layers: no include or symbol reaches up a layer or closes a circle, and
# the loop's code (core, app, jobs, http, daemon) uses no blocking storage
# call (storage/storage_blocking.h).
deps: $(LIB) $(DEMO_LIB)
	$(Q)tools/deps $(BUILD)

# Long tests: scripts in tests/long only (no unit tests run again), then
# the allocation-failure run of the unit tests (check-torture).
test-long: $(BIN)
	$(Q)SUITES=tests/long tests/run $(BUILD); rc=$$?; \
	$(MAKE) --no-print-directory check-torture || rc=1; exit $$rc

# Debian packages: DEB_ARCHES=amd64 builds one. tools/install-deps --package
# installs debhelper, lintian, the arm64 cross toolchain and qemu-user-static.
DEB_THIS_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_ARCHES ?= $(sort $(DEB_THIS_ARCH) $(if $(filter amd64,$(DEB_THIS_ARCH)),arm64))
deb:
	$(Q)for arch in $(DEB_ARCHES); do tools/build-deb --arch $$arch || exit 1; done

# The package tests: scripts in tests/package, on the packages `make deb`
# leaves in build/deb (and the plain binary for the version check).
test-package: $(BIN)
	$(Q)tools/install-deps --quiet --package
	$(Q)$(MAKE) --no-print-directory deb
	$(Q)SUITES=tests/package tests/run $(BUILD)

# Unit tests of the plain build under valgrind (the integration tests are
# too slow there; ASan+UBSan covers them in `make test`).
check-valgrind: tests
	$(Q)failed=0; for t in $(UNIT_BIN); do \
	  if CMOCKA_MESSAGE_OUTPUT=TAP valgrind -q --leak-check=full --error-exitcode=1 \
	     --errors-for-leak-kinds=definite $$t >$$t.valgrind.log 2>&1; \
	  then echo "ok - $$t"; else echo "not ok - $$t (see $$t.valgrind.log)"; failed=1; fi; \
	done; exit $$failed

# The torture build: the unit tests linked against a copy of the library
# whose allocations are renamed to tests/torture/torture.c's, which fail
# the Nth one (the sources do not change); cmocka's assertions are wrapped
# so that a failing one first looks for leaks. tests/torture/run runs each
# covered test for N = 1, 2, ... until no allocation fails.
TORTURE_ALLOC := malloc calloc realloc strdup strndup
TORTURE_WRAP  := _assert_true _assert_int_equal _assert_int_not_equal _fail \
                 _assert_string_equal _assert_string_not_equal \
                 _assert_memory_equal _assert_memory_not_equal
TORTURE_BIN   := $(UNIT_BIN:$(BUILD)/tests/%=$(BUILD)/torture/%)

$(BUILD)/torture/libdomecek.a: $(LIB)
	@mkdir -p $(dir $@)
	@echo "  OBJCOPY $@"
	$(Q)objcopy $(foreach f,$(TORTURE_ALLOC),--redefine-sym $(f)=torture_$(f)) $< $@

$(BUILD)/torture/torture.o: tests/torture/torture.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/torture/test_%: tests/unit/test_%.c $(TEST_SUPPORT_OBJ) $(BUILD)/torture/torture.o $(DEMO_LIB) $(BUILD)/torture/libdomecek.a
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS_ALL) -Itests/unit -MMD -MP -o $@ $< $(TEST_SUPPORT_OBJ) $(BUILD)/torture/torture.o \
	  $(DEMO_LIB) $(BUILD)/torture/libdomecek.a $(PKG_LIBS) $(TEST_LIBS) \
	  $(LDFLAGS_ALL) $(TORTURE_WRAP:%=-Wl,--wrap=%)

torture-tests: $(TORTURE_BIN)

check-torture:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT="-O1 -g" torture-tests
	$(Q)tests/torture/run build/asan

check: tests
	$(Q)tests/run $(BUILD)

check-asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT="-O1 -g" tests
	$(Q)tests/run build/asan

run:
	$(Q)tools/install-deps --quiet
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(BIN) migrate
	$(Q)exec $(BIN) run

# The floor (tools/bench/floor/floor.c, a verbatim copy of the shared
# ../shared/bench/floor.c) is built as its own comment says, untouched.
$(BUILD)/floor: tools/bench/floor/floor.c
	@echo "  FLOOR   $@"
	$(Q)$(CC) -O2 -o $@ $< -lsqlite3

bench: $(BIN) $(BENCH_BIN) $(BUILD)/floor
	$(Q)tools/bench/run $(BUILD)

fuzz:
	$(Q)tests/fuzz/run

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/domecek-jobs
	test ! -f assets/domecek-jobs.1 || install -m 0644 assets/domecek-jobs.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)/etc/domecek $(DESTDIR)/usr/lib/sysusers.d
	install -m 0644 assets/domecek-jobs.sysusers $(DESTDIR)/usr/lib/sysusers.d/domecek-jobs.conf
	test -n "$(DESTDIR)" || ! command -v systemd-sysusers >/dev/null || \
	  systemd-sysusers /usr/lib/sysusers.d/domecek-jobs.conf
	test -f $(DESTDIR)/etc/domecek/appsettings.json || \
	  install -m 0640 $$(test -z "$(DESTDIR)" && getent group domecek >/dev/null && echo -g domecek) \
	    assets/appsettings.json $(DESTDIR)/etc/domecek/appsettings.json
	test ! -f assets/domecek-jobs.service || { install -d $(DESTDIR)/lib/systemd/system && \
	  sed 's|/usr/local/bin/|$(PREFIX)/bin/|g' assets/domecek-jobs.service \
	    > $(DESTDIR)/lib/systemd/system/domecek-jobs.service; }

format:
	clang-format -i $(wildcard include/*.h include/*/*.h src/*.c src/*/*.c src/*/*.h)

lint:
	clang-format --dry-run --Werror $(wildcard include/*.h include/*/*.h src/*.c src/*/*.c src/*/*.h)
	tools/sql-lines --check $(wildcard src/*.c src/*/*.c)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability -Iinclude src

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
