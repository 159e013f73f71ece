# scalefit: build, test, benchmark.
#
#   make              build/libscalefit.a, build/libscalefit.so, build/scalefit
#   make test         build and run every test (prints "N passed, N failed")
#   make test SAN=1   the same, built with AddressSanitizer + UBSan (build-san/)
#   make valgrind     the test suite under valgrind memcheck
#   make bench        benchmarks against the SciPy reference (bench/README.md)
#   make demo         simulate a sweep from a published law, fit it, allocate
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

.PHONY: all test check valgrind bench demo clean
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

$(BUILD)/libscalefit.so: $(LIB_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -o $@ $^ $(LDFLAGS_ALL) $(LIBS)

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

test check: all $(TEST_BIN)
	@SCALEFIT_BIN=$(BUILD)/scalefit sh tests/run.sh $(TEST_BIN)

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
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:$(BUILD)/tests/%=$(BUILD)/obj/tests/%.d)
