# host/host.mk: the host library (libmmfree), the mmfree CLI and the host tests; included by the
# top-level Makefile (which defines BUILD, BIN, CC, CFLAGS, HLS_SRC, HLS_HDR and PROGRAMS).
#
#   $(BUILD)/lib/libmmfree.a, libmmfree.so.1 (+ libmmfree.so), pkgconfig/mmfree.pc
#   $(BIN)/mmfree                   the CLI (linked statically against libmmfree.a)
#   $(BIN)/host_<name>              tests/host_<name>.c, run by tests/test_host.sh
#   make install PREFIX=... DESTDIR=...
#
# The library carries the hls_c objects it needs (the `cpu` board is the device model), compiled
# again with -fPIC under $(BUILD)/host/hls/, so both archives and the .so stand alone. Only the
# mmf_* names of mmfree.h are exported from the .so (-fvisibility=hidden, MMF_API).

PREFIX  ?= /usr/local
DESTDIR ?=
MMFREE_VERSION := $(shell sed -n 's/.*MMFREE_VERSION "\(.*\)"/\1/p' host/include/mmfree.h)

HOST_CLI_SRC := $(wildcard host/src/mmfree*.c)
HOST_SRC     := $(filter-out $(HOST_CLI_SRC),$(wildcard host/src/*.c))
HOST_HDR     := $(wildcard host/src/*.h) host/include/mmfree.h $(HLS_HDR)
HOST_OBJ     := $(patsubst host/src/%.c,$(BUILD)/host/%.o,$(HOST_SRC))
HOST_HLS_OBJ := $(patsubst hls_c/%.c,$(BUILD)/host/hls/%.o,$(HLS_SRC))
# the energy coefficients (boards/energy.json) compiled in as a C array, read by host/src/energy.c
HOST_OBJ     += $(BUILD)/host/energy_data.o
HOST_CFLAGS  := $(CFLAGS) -fPIC -fvisibility=hidden -DMMF_BUILDING -Ihost/include -Ihls_c
HOST_LIBS    := $(BUILD)/lib/libmmfree.a $(BUILD)/lib/libmmfree.so.1 $(BUILD)/lib/libmmfree.so \
	$(BUILD)/lib/pkgconfig/mmfree.pc

$(BUILD)/host/%.o: host/src/%.c $(HOST_HDR)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/host/hls/%.o: hls_c/%.c $(HLS_HDR)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/host/energy_data.c: boards/energy.json scripts/gen_energy_c.sh
	@mkdir -p $(@D)
	bash scripts/gen_energy_c.sh $< $@

$(BUILD)/host/energy_data.o: $(BUILD)/host/energy_data.c
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/lib/libmmfree.a: $(HOST_OBJ) $(HOST_HLS_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/lib/libmmfree.so.1: $(HOST_OBJ) $(HOST_HLS_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libmmfree.so.1 $^ -lz -lcjson -lm -o $@

$(BUILD)/lib/libmmfree.so: $(BUILD)/lib/libmmfree.so.1
	ln -sf libmmfree.so.1 $@

# mmfree.pc for a prefix: $(call mmfree_pc,PREFIX), text for printf
mmfree_pc = prefix=$(1)\nexec_prefix=$${prefix}\nlibdir=$${exec_prefix}/lib\nincludedir=$${prefix}/include\n\nName: mmfree\nDescription: host library for mmfree multiplication-free LM boards\nVersion: $(MMFREE_VERSION)\nCflags: -I$${includedir}\nLibs: -L$${libdir} -lmmfree\nRequires.private: zlib libcjson\nLibs.private: -lz -lcjson -lm\n

$(BUILD)/lib/pkgconfig/mmfree.pc: host/host.mk host/include/mmfree.h
	@mkdir -p $(@D)
	printf '$(call mmfree_pc,$(PREFIX))' > $@

# the `sim` board: the SoC's RTL under Verilator (fast mode and UART mode), linked into the CLI only
# (libmmfree itself stays plain C; its `sim` is a weak symbol there)
VSIM     := $(BUILD)/vsim
VINC     := $(shell verilator --getenv VERILATOR_ROOT 2>/dev/null)/include
VSIM_LIB := $(VSIM)/fast/Vmmf_soc_core__ALL.a $(VSIM)/uart/Vvboard_uart__ALL.a $(VSIM)/libverilated.a
VRT_SRC  := verilated.cpp verilated_threads.cpp verilated_fst_c.cpp
$(VSIM)/libverilated.a:
	@mkdir -p $(VSIM)/rt
	cd $(VSIM)/rt && for f in $(VRT_SRC); do \
		$(CXX) -std=c++17 -O2 -DVM_TRACE=1 -DVM_TRACE_FST=1 -isystem $(VINC) -isystem $(VINC)/vltstd \
			-c $(VINC)/$$f -o $${f%.cpp}.o || exit 1; done
	ar rcs $@ $(addprefix $(VSIM)/rt/,$(VRT_SRC:.cpp=.o))
$(VSIM)/fast/Vmmf_soc_core__ALL.a: $(RTL) $(GEN_VH)
	@mkdir -p $(VSIM)/fast
	verilator --cc $(VFLAGS) --top-module mmf_soc_core --Mdir $(VSIM)/fast \
		$(CURDIR)/rtl/mmf_soc_core.v > $(VSIM)/fast.log 2>&1 || { tail -30 $(VSIM)/fast.log; exit 1; }
$(VSIM)/uart/Vvboard_uart__ALL.a: $(RTL) $(GEN_VH) sim/vboard_uart.v
	@mkdir -p $(VSIM)/uart
	verilator --cc $(VFLAGS) --top-module vboard_uart -GDIV=4 --Mdir $(VSIM)/uart \
		$(CURDIR)/sim/vboard_uart.v > $(VSIM)/uart.log 2>&1 || { tail -30 $(VSIM)/uart.log; exit 1; }
$(BUILD)/host/transport_sim.o: host/src/transport_sim.cpp $(HOST_HDR) $(VSIM_LIB)
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O2 -g -Wall -Wextra -Werror -Ihost/include -Ihost/src -Ihls_c -isystem $(VSIM)/fast \
		-isystem $(VSIM)/uart -isystem $(VINC) -isystem $(VINC)/vltstd -c $< -o $@

# the CLI: statically linked, so build/bin/mmfree runs without LD_LIBRARY_PATH
$(BIN)/mmfree: $(HOST_CLI_SRC) $(HOST_HDR) $(BUILD)/lib/libmmfree.a $(BUILD)/host/transport_sim.o $(VSIM_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ihost/include -Ihls_c -c $(HOST_CLI_SRC) && mv $(notdir $(HOST_CLI_SRC:.c=.o)) $(BUILD)/host/
	$(CXX) $(addprefix $(BUILD)/host/,$(notdir $(HOST_CLI_SRC:.c=.o))) $(BUILD)/lib/libmmfree.a \
		$(BUILD)/host/transport_sim.o $(VSIM_LIB) -lz -lcjson -lm -pthread -o $@

# host tests: tests/host_<name>.c; they may use the internals (host/src/*.h) of the static library
HOST_TESTS := $(patsubst tests/%.c,$(BIN)/%,$(wildcard tests/host_*.c))
$(BIN)/host_%: tests/host_%.c tests/host_common.h tests/check.h $(HOST_HDR) $(BUILD)/lib/libmmfree.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ihost/include -Ihost/src -Ihls_c $< $(BUILD)/lib/libmmfree.a -lz -lcjson -lm -o $@

PROGRAMS += $(HOST_LIBS) $(BIN)/mmfree $(HOST_TESTS)

.PHONY: install
install: $(HOST_LIBS) $(BIN)/mmfree
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(BUILD)/lib/libmmfree.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/lib/libmmfree.so.1 $(DESTDIR)$(PREFIX)/lib/
	ln -sf libmmfree.so.1 $(DESTDIR)$(PREFIX)/lib/libmmfree.so
	install -m 644 host/include/mmfree.h $(DESTDIR)$(PREFIX)/include/
	printf '$(call mmfree_pc,$(PREFIX))' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/mmfree.pc
	install -m 755 $(BIN)/mmfree $(DESTDIR)$(PREFIX)/bin/
