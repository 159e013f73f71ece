# scalefit: build, test, benchmark.
#
#   make              build/libscalefit.a, build/libscalefit.so, build/scalefit
#   make test         build and run every test (prints "N passed, N failed")
#   make test SAN=1   the same, built with AddressSanitizer + UBSan (build-san/)
#   make valgrind     the test suite under valgrind memcheck
#   make bench        benchmarks against the SciPy reference (bench/README.md)
#   make demo         simulate a sweep from a published law, fit it, allocate
#   make install      install the built library, header, scalefit.pc, CLI and
#                     man pages under PREFIX (default /usr/local; DESTDIR too)
#   make uninstall    remove what make install put there
#   WERROR=1          turn warnings into errors (CI does)

CC ?= cc
SAN ?= 0
WERROR ?= 0
PYTHON ?= /usr/bin/python3

ifeq ($(SAN),1)
BUILD ?= build-san
OPT = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SANLD = -fsanitize=address,undefined
else
BUILD ?= build
OPT = -O2 -g
SANLD =
endif

# Reproducible numerics (docs/methods.md): no FMA contraction, no fast-math.
STD = -std=c11 -D_POSIX_C_SOURCE=200809L -ffp-contract=off -fopenmp
WARN = -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wpointer-arith \
       -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wundef -Wcast-qual \
       -Wwrite-strings -Wvla -Wnull-dereference
ifeq ($(WERROR),1)
WARN += -Werror
endif
CFLAGS_ALL = $(STD) $(OPT) $(WARN) -fPIC -fvisibility=hidden -Iinclude -Isrc -MMD -MP $(CFLAGS)
LIBS = -llbfgs -lcjson -lcsv -lm -lpthread
LDFLAGS_ALL = -fopenmp $(SANLD) $(LDFLAGS)

LIB_SRC = $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC = $(sort $(wildcard src/cli/*.c))
TEST_SRC = $(sort $(wildcard tests/test_*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_COMMON = $(BUILD)/obj/tests/common.o

# Quiet by default; V=1 shows the full commands.
ifeq ($(V),1)
Q =
else
Q = @
endif

.PHONY: all test check valgrind bench demo clean install uninstall install-python
# Keep intermediate objects (tests/common.o) between builds.
.SECONDARY:
all: $(BUILD)/libscalefit.a $(BUILD)/libscalefit.so $(BUILD)/scalefit

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/libscalefit.a: $(LIB_OBJ)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)ar rcs $@ $^

# Relinked when the Makefile changes too (the soname is set here).
$(BUILD)/libscalefit.so: $(LIB_OBJ) Makefile
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) -o $@ $(LIB_OBJ) $(LDFLAGS_ALL) $(LIBS)

$(BUILD)/scalefit: $(CLI_OBJ) $(BUILD)/libscalefit.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $(CLI_OBJ) $(BUILD)/libscalefit.a $(LDFLAGS_ALL) $(LIBS)

# Tests see the library's internal headers too (unit tests of internals).
$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_COMMON) $(BUILD)/libscalefit.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $< $(TEST_COMMON) $(BUILD)/libscalefit.a $(LDFLAGS_ALL) -lcriterion $(LIBS)

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -Itests -c $< -o $@

# The Python package's tests (python/tests, issue 21) run beside the C
# ones and count in the same summary; not in a sanitizer build, whose
# library the Python interpreter cannot load without the sanitizer runtime.
PY_TAP = $(if $(filter 1,$(SAN)),,python/tests/pyscalefit_tap.py)

test check: all $(TEST_BIN)
	@SCALEFIT_BIN=$(BUILD)/scalefit SCALEFIT_LIB=$(abspath $(BUILD))/libscalefit.so \
	    sh tests/run.sh $(TEST_BIN) $(PY_TAP)

valgrind: all $(TEST_BIN)
	@SCALEFIT_BIN=$(BUILD)/scalefit SF_VALGRIND=1 sh tests/run.sh $(TEST_BIN)

$(BUILD)/bench_fit: bench/bench_fit.c $(BUILD)/libscalefit.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libscalefit.a $(LDFLAGS_ALL) $(LIBS)

$(BUILD)/bench_boot: bench/bench_boot.c $(BUILD)/libscalefit.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libscalefit.a $(LDFLAGS_ALL) $(LIBS)

$(BUILD)/bench_curve: bench/bench_curve.c $(BUILD)/libscalefit.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libscalefit.a $(LDFLAGS_ALL) $(LIBS)

$(BUILD)/bench_read: bench/bench_read.c $(BUILD)/libscalefit.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libscalefit.a $(LDFLAGS_ALL) $(LIBS)

$(BUILD)/bench_scale: bench/bench_scale.c $(BUILD)/libscalefit.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libscalefit.a $(LDFLAGS_ALL) $(LIBS)

bench: all $(BUILD)/bench_fit $(BUILD)/bench_boot $(BUILD)/bench_curve $(BUILD)/bench_read \
       $(BUILD)/bench_scale
	$(PYTHON) bench/bench.py --bench-fit $(BUILD)/bench_fit --bench-boot $(BUILD)/bench_boot \
	    --bench-curve $(BUILD)/bench_curve --bench-read $(BUILD)/bench_read \
	    --bench-scale $(BUILD)/bench_scale --python $(PYTHON)

demo: all
	$(BUILD)/scalefit demo

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:$(BUILD)/tests/%=$(BUILD)/obj/tests/%.d) \
    $(TEST_COMMON:.o=.d)

# ---- fuzzing (tests/fuzz/README.md) -----------------------------------------
# Every tests/fuzz/fuzz_NAME.c with a seed corpus tests/fuzz/corpus/fuzz_NAME/
# is a libFuzzer target, built with clang, ASan and UBSan into build-fuzz/.
#   make fuzz FUZZ_SECONDS=N   run each target N seconds; any crash, leak,
#                              hang or sanitizer report fails
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_MAX_LEN ?= 4096
FUZZ_BUILD = build-fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = $(STD) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
              -Iinclude -Isrc -Itests/fuzz -MMD -MP
FUZZ_NAMES = $(sort $(patsubst tests/fuzz/corpus/%/,%,$(filter %/,$(wildcard tests/fuzz/corpus/*/))))
FUZZ_TARGETS = $(foreach n,$(FUZZ_NAMES),$(if $(wildcard tests/fuzz/$(n).c),$(FUZZ_BUILD)/$(n)))
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_CLI_OBJ = $(filter-out $(FUZZ_BUILD)/obj/src/cli/main.o,$(CLI_SRC:%.c=$(FUZZ_BUILD)/obj/%.o))

.PHONY: fuzz fuzz-build
$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/libfuzzlib.a: $(FUZZ_LIB_OBJ) $(FUZZ_CLI_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libfuzzlib.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) -fopenmp $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LIBS)

fuzz-build: $(FUZZ_TARGETS)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_MAX_LEN) $(FUZZ_BUILD) $(FUZZ_NAMES)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_CLI_OBJ:.o=.d) $(FUZZ_TARGETS:$(FUZZ_BUILD)/%=$(FUZZ_BUILD)/obj/tests/fuzz/%.d)

# ---- install (issue 21) ----
# The library's version comes from SF_VERSION in the public header; the
# soname carries its major number.  install copies what the build made and
# writes scalefit.pc straight into the destination, so it never writes into
# $(BUILD) (the tests install from a built tree while other makes run).
VERSION := $(shell sed -n 's/^\#define SF_VERSION "\(.*\)".*/\1/p' include/scalefit.h)
SOMAJOR = $(firstword $(subst ., ,$(VERSION)))
SONAME = libscalefit.so.$(SOMAJOR)
PREFIX ?= /usr/local
prefix ?= $(PREFIX)
bindir ?= $(prefix)/bin
libdir ?= $(prefix)/lib
includedir ?= $(prefix)/include
mandir ?= $(prefix)/share/man
pkgconfigdir ?= $(libdir)/pkgconfig
INSTALL ?= install
INSTALLED = $(bindir)/scalefit $(libdir)/libscalefit.a $(libdir)/libscalefit.so \
    $(libdir)/$(SONAME) $(libdir)/libscalefit.so.$(VERSION) $(includedir)/scalefit.h \
    $(pkgconfigdir)/scalefit.pc $(mandir)/man1/scalefit.1

# Man pages: scalefit.1 (docs/) and one page per subcommand, scalefit-CMD.1,
# made from `scalefit CMD --help` (the one source of both) into $(BUILD)/man
# by scripts/help2roff.sh.  The tests check that every command of
# `scalefit --help` has its page and each page documents exactly the
# options the command accepts.
SUBCOMMANDS = fit predict optimal laws demo isoflop envelope plan report validate bayes \
    forecast watch task
MAN_DATE := $(shell sed -n 's/^\.TH [^ ]* 1 "\([^"]*\)".*/\1/p' docs/scalefit.1)
MAN_PAGES = $(SUBCOMMANDS:%=$(BUILD)/man/scalefit-%.1)
INSTALLED += $(SUBCOMMANDS:%=$(mandir)/man1/scalefit-%.1)
all: $(MAN_PAGES)
install: $(MAN_PAGES)

$(BUILD)/man/scalefit-%.1: $(BUILD)/scalefit scripts/help2roff.sh scripts/help2roff.awk docs/scalefit.1
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MAN     $@")
	$(Q)sh scripts/help2roff.sh $(BUILD)/scalefit $* '$(VERSION)' '$(MAN_DATE)' >$@.tmp && mv $@.tmp $@

install: $(BUILD)/libscalefit.a $(BUILD)/libscalefit.so $(BUILD)/scalefit install-python
	@test -n "$(VERSION)" || { echo "make install: no SF_VERSION in include/scalefit.h" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(includedir) \
	    $(DESTDIR)$(pkgconfigdir) $(DESTDIR)$(mandir)/man1
	$(INSTALL) -m 755 $(BUILD)/scalefit $(DESTDIR)$(bindir)/scalefit
	$(INSTALL) -m 644 $(BUILD)/libscalefit.a $(DESTDIR)$(libdir)/libscalefit.a
	$(INSTALL) -m 755 $(BUILD)/libscalefit.so $(DESTDIR)$(libdir)/libscalefit.so.$(VERSION)
	ln -sf libscalefit.so.$(VERSION) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(libdir)/libscalefit.so
	$(INSTALL) -m 644 include/scalefit.h $(DESTDIR)$(includedir)/scalefit.h
	$(INSTALL) -m 644 docs/scalefit.1 $(DESTDIR)$(mandir)/man1/scalefit.1
	$(INSTALL) -m 644 $(MAN_PAGES) $(DESTDIR)$(mandir)/man1/
	printf '%s\n' 'prefix=$(prefix)' 'libdir=$(libdir)' 'includedir=$(includedir)' '' \
	    'Name: scalefit' 'Description: Fit neural scaling laws' 'Version: $(VERSION)' \
	    'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lscalefit' \
	    'Requires.private: libcjson liblbfgs' 'Libs.private: -lcsv -lgomp -lpthread -lm' \
	    > $(DESTDIR)$(pkgconfigdir)/scalefit.pc
	@chmod 644 $(DESTDIR)$(pkgconfigdir)/scalefit.pc

# The Python package (python/pyscalefit, docs/python.md) goes to pythondir,
# a folder on Debian's default sys.path when PREFIX is /usr; elsewhere add
# it to PYTHONPATH.  _installed.py tells it where the installed library is.
pythondir ?= $(prefix)/lib/python3/dist-packages
PY_FILES = $(sort $(wildcard python/pyscalefit/*.py))

install-python:
	$(INSTALL) -d $(DESTDIR)$(pythondir)/pyscalefit
	$(INSTALL) -m 644 $(filter-out %/_installed.py,$(PY_FILES)) $(DESTDIR)$(pythondir)/pyscalefit/
	printf '%s\n' '"""Written by make install: where the library was installed."""' \
	    'LIBDIR = "$(libdir)"' > $(DESTDIR)$(pythondir)/pyscalefit/_installed.py
	@chmod 644 $(DESTDIR)$(pythondir)/pyscalefit/_installed.py

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rm -rf $(DESTDIR)$(pythondir)/pyscalefit

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:$(BUILD)/tests/%=$(BUILD)/obj/tests/%.d)
