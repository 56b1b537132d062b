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

LIB_SRCS := lib/err.c lib/buf.c lib/log.c lib/backoff.c lib/strlist.c lib/http.c lib/sign.c lib/ecs.c \
	lib/config.c lib/event.c lib/runtime.c lib/context.c lib/cloud.c lib/cce.c \
	lib/report.c
HANDLER_SRCS := handlers/handlers.c handlers/cce.c handlers/ecs.c
SRCS := bootstrap.c $(LIB_SRCS) $(HANDLER_SRCS)
UNIT_TESTS := sign event config strlist buf report backoff

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wpointer-arith -Wvla \
	-Wundef -fno-common
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
DEFS := -D_DEFAULT_SOURCE -DFGBOOT_VERSION='"$(VERSION)"'

# Static release build.
DEPS := third_party/musl
DEPS_STAMP := $(DEPS)/.built
STATIC_CC := musl-gcc
STATIC_CFLAGS := -Os -ffunction-sections -fdata-sections -I$(DEPS)/include -DEMBED_CA
STATIC_LDLIBS := -L$(DEPS)/lib -lcurl -ljansson -lssl -lcrypto -pthread
STATIC_LDFLAGS := -static -Wl,--gc-sections -s

# Dynamic builds for sanitizers, valgrind and unit tests.
PKGS := libcurl jansson openssl
DYN_CC := gcc
DYN_CFLAGS = -O1 -g $(shell pkg-config --cflags $(PKGS))
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

.PHONY: all deps setup dyn san unit integration valgrind test demo package clean distclean \
	check-headers

setup:
	@bash scripts/setup.sh

$(DEPS_STAMP):
	bash scripts/build-deps.sh
	touch $@

deps: $(DEPS_STAMP)

bootstrap: $(STATIC_OBJS)
	@echo "  LD (static) $@"
	$(Q)$(STATIC_CC) $(STATIC_LDFLAGS) -o $@ $(STATIC_OBJS) $(STATIC_LDLIBS)

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

unit: $(UNIT_TESTS:%=build/san/tests/unit/test_%)
	@fail=0; for t in $^; do $$t || fail=1; done; exit $$fail

# Every header compiles on its own.
check-headers:
	@for h in lib/*.h handlers/*.h; do \
		echo "#include \"$$h\"" | $(DYN_CC) $(WARN) $(DEFS) $(DYN_CFLAGS) -I. -x c -fsyntax-only - || exit 1; \
	done; echo "check-headers: ok"

integration: bootstrap build/san/bootstrap build/dyn/bootstrap
	FGBOOT_BINARIES="$(CURDIR)/bootstrap $(CURDIR)/build/san/bootstrap" \
	FGBOOT_DYN="$(CURDIR)/build/dyn/bootstrap" \
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/

test: setup
	$(MAKE) DEVELOPER=$(or $(DEVELOPER),1) check-headers unit integration

demo: setup
	$(MAKE) bootstrap
	$(PYTHON) tests/demo.py ./bootstrap

package: bootstrap
	./package.sh

clean:
	rm -rf build bootstrap dist

distclean: clean
	rm -rf third_party

-include $(STATIC_OBJS:.o=.d) $(DYN_OBJS:.o=.d) $(SAN_OBJS:.o=.d)
