# fgboot: a static FunctionGraph custom runtime.
#
#   make                 ./bootstrap, static (musl + libcurl + OpenSSL + jansson)
#   make SANITIZE=address,undefined   build/san/bootstrap, instrumented, dynamic
#   make demo            one timer invocation against the local emulator
#   make test            unit + integration (static and sanitized) + valgrind
#   make package         dist/fgboot.zip
#
# Sanitizers and valgrind cannot see inside a static musl binary, so those
# builds link the same sources dynamically against Debian's -dev packages.

PYTHON ?= /usr/bin/python3
V ?= 0
ifeq ($(V),0)
Q := @
endif
VERSION := 0.1.0

LIB_SRCS := lib/err.c lib/buf.c lib/secret.c lib/log.c lib/backoff.c lib/strindex.c lib/strlist.c lib/http.c lib/sign.c \
	lib/ecs.c lib/action.c lib/config.c lib/event.c lib/params.c lib/runtime.c lib/context.c \
	lib/cloud.c lib/cce.c lib/report.c lib/serve.c lib/tz.c lib/schedule.c build/gen/tzdata.c
HANDLER_SRCS := handlers/handlers.c handlers/cce.c handlers/ecs.c handlers/schedule.c
APP_SRCS := app/app.c app/rtloop.c app/invoke.c app/image.c app/schedules.c
SRCS := bootstrap.c $(APP_SRCS) $(LIB_SRCS) $(HANDLER_SRCS)
UNIT_TESTS := sign event params config strlist buf report backoff http log schedule

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wpointer-arith -Wvla \
	-Wundef -fno-common
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
DEFS := -D_DEFAULT_SOURCE -DFGBOOT_VERSION='"$(VERSION)"'

# Static release build.
DEPS := third_party/musl
DEPS_STAMP := $(DEPS)/.built-mhd
STATIC_CC := musl-gcc
# Hardened: static-PIE (the kernel randomises where it loads) with stack protection.
# musl has no _FORTIFY_SOURCE (no fortified headers); the glibc builds below use it.
STATIC_CFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fPIE -fstack-protector-strong -I$(DEPS)/include -DEMBED_CA
STATIC_LDLIBS := -L$(DEPS)/lib -lmicrohttpd -lcurl -ljansson -lssl -lcrypto -pthread
# musl-gcc's specs know no -static-pie: name musl's self-relocating start file (rcrt1.o) and
# ask the linker for a static PIE with no interpreter.
MUSL_LIB ?= /usr/lib/x86_64-linux-musl
STATIC_LDFLAGS := -nostartfiles -static -Wl,-pie -Wl,--no-dynamic-linker -Wl,-z,text -Wl,-z,relro \
	-Wl,-z,now -Wl,--gc-sections -s
STATIC_START := $(MUSL_LIB)/rcrt1.o $(MUSL_LIB)/crti.o $(shell gcc -print-file-name=crtbeginS.o)
STATIC_END := $(shell gcc -print-file-name=crtendS.o) $(MUSL_LIB)/crtn.o

# Dynamic builds for sanitizers, valgrind and unit tests.
PKGS := libcurl jansson openssl libmicrohttpd
DYN_CC := gcc
DYN_CFLAGS = -O1 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong $(shell pkg-config --cflags $(PKGS))
DYN_LDLIBS = $(shell pkg-config --libs $(PKGS))
SANITIZE_FLAGS := -fsanitize=address,undefined
ifneq ($(SANITIZE),)
SANITIZE_FLAGS := -fsanitize=$(SANITIZE)
endif
SAN_CFLAGS := $(SANITIZE_FLAGS) -fno-sanitize-recover=all -fno-omit-frame-pointer

STATIC_OBJS := $(SRCS:%.c=build/static/%.o) build/static/lib/cacert.o
DYN_OBJS := $(SRCS:%.c=build/dyn/%.o)
SAN_OBJS := $(SRCS:%.c=build/san/%.o)

ifeq ($(SANITIZE),)
all: bootstrap
else
all: build/san/bootstrap
endif

.PHONY: lint all deps setup dyn san unit integration valgrind test demo package clean distclean \
	check-headers bench
.PHONY: fuzz fuzz-build fuzz-smoke

setup:
	@bash scripts/setup.sh

# Every zone of the build machine's tzdata, embedded (lib/tz.h says what is kept).
ZONEINFO ?= /usr/share/zoneinfo
build/gen/tzdata.c: scripts/gen-tzdata.py $(wildcard $(ZONEINFO)/tzdata.zi)
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) scripts/gen-tzdata.py $@ $(ZONEINFO)

$(DEPS_STAMP): scripts/build-deps.sh
	bash scripts/build-deps.sh
	touch $@

deps: $(DEPS_STAMP)

bootstrap: $(STATIC_OBJS)
	@echo "  LD (static) $@"
	$(Q)$(STATIC_CC) $(STATIC_LDFLAGS) -o $@ $(STATIC_START) $(STATIC_OBJS) $(STATIC_LDLIBS) $(STATIC_END)

build/static/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC (static) $<"
	$(Q)$(STATIC_CC) $(WARN) $(DEFS) $(STATIC_CFLAGS) -MMD -MP -c -o $@ $<

build/static/lib/cacert.o: lib/cacert.S $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS (static) $<"
	$(Q)$(STATIC_CC) -DCA_FILE='"$(DEPS)/cacert.pem"' -c -o $@ $<

dyn: build/dyn/bootstrap
build/dyn/bootstrap: $(DYN_OBJS)
	@echo "  LD (dyn) $@"
	$(Q)$(DYN_CC) -o $@ $(DYN_OBJS) $(DYN_LDLIBS)

build/dyn/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC (dyn) $<"
	$(Q)$(DYN_CC) $(WARN) $(DEFS) $(DYN_CFLAGS) -MMD -MP -c -o $@ $<

san: build/san/bootstrap
build/san/bootstrap: $(SAN_OBJS)
	@echo "  LD (san) $@"
	$(Q)$(DYN_CC) $(SAN_CFLAGS) -o $@ $(SAN_OBJS) $(DYN_LDLIBS)

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC (san) $<"
	$(Q)$(DYN_CC) $(WARN) $(DEFS) $(DYN_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

# Unit tests link the sanitized lib/ objects (never the binary).
SAN_LIB_OBJS := $(LIB_SRCS:%.c=build/san/%.o)
build/san/tests/unit/test_%: tests/unit/test_%.c $(SAN_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD (san) $@"
	$(Q)$(DYN_CC) $(WARN) $(DEFS) $(DYN_CFLAGS) $(SAN_CFLAGS) -Ilib -o $@ $< $(SAN_LIB_OBJS) $(DYN_LDLIBS)

# tz_zoneinfo.py: every zone against CPython's zoneinfo, through tests/unit/tzprobe.c.
unit: $(UNIT_TESTS:%=build/san/tests/unit/test_%) build/san/tests/unit/tzprobe
	@fail=0; for t in $(UNIT_TESTS:%=build/san/tests/unit/test_%); do $$t || fail=1; done; \
	$(PYTHON) tests/unit/tz_zoneinfo.py build/san/tests/unit/tzprobe $(ZONEINFO) || fail=1; exit $$fail

build/san/tests/unit/tzprobe: tests/unit/tzprobe.c $(SAN_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD (san) $@"
	$(Q)$(DYN_CC) $(WARN) $(DEFS) $(DYN_CFLAGS) $(SAN_CFLAGS) -Ilib -o $@ $< $(SAN_LIB_OBJS) $(DYN_LDLIBS)

# libFuzzer targets (clang) for every untrusted input: tests/fuzz/fuzz_<t>.c
# linked with lib/ compiled for coverage. `make fuzz` runs each for FUZZ_SECONDS
# on build/fuzz/corpus-<t> (seeded from tests/fuzz/corpus/<t>, which is never
# written) and fails on any crash, leak or sanitizer report (the reproducer is
# left in build/fuzz/artifacts-<t>/); `make fuzz-smoke` replays the seeds once.
FUZZ_TARGETS := event config cloud sign http schedule
FUZZ_SECONDS ?= 30
FUZZ_CC := clang
FUZZ_CFLAGS = -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all $(shell pkg-config --cflags $(PKGS))
FUZZ_OPTS := -rss_limit_mb=2048 -max_len=65536
FUZZ_LIB_OBJS = $(LIB_SRCS:%.c=build/fuzz/%.o)
FUZZ_BINS := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $<"
	$(Q)$(FUZZ_CC) $(WARN) $(DEFS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
		-MMD -MP -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD (fuzz) $@"
	$(Q)$(FUZZ_CC) $(WARN) $(DEFS) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -Ilib \
		-o $@ $< $(FUZZ_LIB_OBJS) $(DYN_LDLIBS)

.SECONDARY: $(FUZZ_LIB_OBJS)
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@fail=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus-$$t build/fuzz/artifacts-$$t; \
		cp tests/fuzz/corpus/$$t/* build/fuzz/corpus-$$t/; \
		echo "  FUZZ $$t ($(FUZZ_SECONDS) s, log build/fuzz/fuzz_$$t.log)"; \
		if build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) $(FUZZ_OPTS) -print_final_stats=1 \
			-artifact_prefix=build/fuzz/artifacts-$$t/ build/fuzz/corpus-$$t \
			>build/fuzz/fuzz_$$t.log 2>&1; then \
			grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec' \
				build/fuzz/fuzz_$$t.log | sed 's/^/    /'; \
		else \
			fail=1; echo "  FUZZ $$t FAILED:"; tail -n 80 build/fuzz/fuzz_$$t.log; \
		fi; \
	done; exit $$fail

fuzz-smoke: $(FUZZ_BINS)
	@fail=0; for t in $(FUZZ_TARGETS); do \
		build/fuzz/fuzz_$$t -runs=0 $(FUZZ_OPTS) tests/fuzz/corpus/$$t/* \
			>build/fuzz/smoke_$$t.log 2>&1 \
			&& echo "  FUZZ-SMOKE $$t: $$(ls tests/fuzz/corpus/$$t | wc -l) seeds ok" \
			|| { fail=1; echo "  FUZZ-SMOKE $$t FAILED:"; tail -n 80 build/fuzz/smoke_$$t.log; }; \
	done; exit $$fail

# Banned functions (unbounded or error-blind) and cppcheck's warnings fail the build.
BANNED := strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|strtok
lint:
	@if grep -nwE '$(BANNED)' bootstrap.c app/*.c app/*.h lib/*.c lib/*.h handlers/*.c handlers/*.h; then \
		echo "lint: banned function (use snprintf, buf_*, strtol with an end pointer)"; exit 1; fi
	@cppcheck --quiet --enable=warning,portability --error-exitcode=1 --inline-suppr \
		-D__GNUC__ -Ilib --suppress=missingIncludeSystem bootstrap.c app/*.c lib/*.c handlers/*.c
	@echo "lint: ok"

# Every header compiles on its own.
check-headers:
	@for h in lib/*.h app/*.h handlers/*.h; do \
		echo "#include \"$$h\"" | $(DYN_CC) $(WARN) $(DEFS) $(DYN_CFLAGS) -I. -x c -fsyntax-only - || exit 1; \
	done; echo "check-headers: ok"

integration: bootstrap build/san/bootstrap build/dyn/bootstrap build/san/tests/unit/test_schedule
	FGBOOT_BINARIES="$(CURDIR)/bootstrap $(CURDIR)/build/san/bootstrap" \
	FGBOOT_DYN="$(CURDIR)/build/dyn/bootstrap" \
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/integration/

# valgrind memcheck over 1,000 mixed invocations of the dynamic build (also part of integration).
valgrind: build/dyn/bootstrap
	FGBOOT_DYN="$(CURDIR)/build/dyn/bootstrap" $(PYTHON) -m pytest -q -p no:cacheprovider \
		tests/integration/test_cli.py -k valgrind

test: setup
	$(MAKE) DEVELOPER=$(or $(DEVELOPER),1) lint check-headers unit fuzz-smoke integration

demo: setup
	$(MAKE) bootstrap
	$(PYTHON) tests/tools/demo.py ./bootstrap

package: bootstrap
	./package.sh

# fgboot vs a Python (requests) and a shell (curl) runtime on loopback: cold start,
# first answer, peak RSS, zip size; prints a Markdown table, also in build/bench/results.md.
# The schedule row times the evaluator in the unit test, built without sanitizers.
DYN_LIB_OBJS := $(LIB_SRCS:%.c=build/dyn/%.o)
build/dyn/tests/unit/test_%: tests/unit/test_%.c $(DYN_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD (dyn) $@"
	$(Q)$(DYN_CC) $(WARN) $(DEFS) $(DYN_CFLAGS) -Ilib -o $@ $< $(DYN_LIB_OBJS) $(DYN_LDLIBS)

bench: setup bootstrap build/dyn/tests/unit/test_schedule
	SCHEDULE_PROBE=$(CURDIR)/build/dyn/tests/unit/test_schedule $(PYTHON) tests/tools/bench.py

clean:
	rm -rf build bootstrap dist

distclean: clean
	rm -rf third_party

# Objects follow the flags: a change here (or of DEVELOPER=1's -Werror) rebuilds them.
BUILD_FLAGS := build/flags-$(if $(filter 1,$(DEVELOPER)),dev,user)
$(BUILD_FLAGS):
	@mkdir -p build && rm -f build/flags-* && touch $@
$(STATIC_OBJS) $(DYN_OBJS) $(SAN_OBJS) $(FUZZ_LIB_OBJS): Makefile $(BUILD_FLAGS)

-include $(STATIC_OBJS:.o=.d) $(DYN_OBJS:.o=.d) $(SAN_OBJS:.o=.d) $(FUZZ_LIB_OBJS:.o=.d)
