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
# libusb-1.0 carries the ftdi transport (transport_ftdi.c); umockdev emulates the FT2232H for
# mmfree-vboard --usb (sim/usb_emu.c) and is linked into nothing else. mmfree.pc names -lusb-1.0 in
# Libs.private, not libusb-1.0 in Requires.private: `pkg-config --static libusb-1.0` asks for -ludev,
# whose static archive Debian does not ship, so a program on libmmfree.a links libusb shared.
# Asked quietly: before scripts/deps.sh has run (make help, make deps) the packages may be missing;
# a rule that needs them stops with $(need_pkgs) instead, naming what is missing and what to run.
USB_CFLAGS   := $(shell pkg-config --cflags libusb-1.0 2>/dev/null)
USB_LIBS     := $(shell pkg-config --libs libusb-1.0 2>/dev/null)
UMOCK_CFLAGS := $(shell pkg-config --cflags umockdev-1.0 2>/dev/null)
UMOCK_LIBS   := $(shell pkg-config --libs umockdev-1.0 2>/dev/null) -pthread
HOST_PKGS_MISSING := $(strip $(foreach p,libusb-1.0 umockdev-1.0,$(if $(shell pkg-config --exists $(p) 2>/dev/null && echo y),,$(p))))
need_pkgs = $(if $(HOST_PKGS_MISSING),$(error pkg-config does not find $(HOST_PKGS_MISSING): run 'make deps' as root (scripts/deps.sh)))
HOST_CFLAGS  := $(CFLAGS) -fPIC -fvisibility=hidden -DMMF_BUILDING -Ihost/include -Ihls_c $(USB_CFLAGS)
# the energy coefficients (boards/energy.json) compiled in as a C array, read by host/src/energy.c
HOST_OBJ     += $(BUILD)/host/energy_data.o
HOST_LIBS    := $(BUILD)/lib/libmmfree.a $(BUILD)/lib/libmmfree.so.1 $(BUILD)/lib/libmmfree.so \
	$(BUILD)/lib/pkgconfig/mmfree.pc

$(BUILD)/host/%.o: host/src/%.c $(HOST_HDR)
	@mkdir -p $(@D)$(need_pkgs)
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
	$(CC) -shared -Wl,-soname,libmmfree.so.1 $^ -lz -lcjson $(USB_LIBS) -lm -o $@

$(BUILD)/lib/libmmfree.so: $(BUILD)/lib/libmmfree.so.1
	ln -sf libmmfree.so.1 $@

# mmfree.pc for a prefix: $(call mmfree_pc,PREFIX), text for printf
mmfree_pc = prefix=$(1)\nexec_prefix=$${prefix}\nlibdir=$${exec_prefix}/lib\nincludedir=$${prefix}/include\n\nName: mmfree\nDescription: host library for mmfree multiplication-free LM boards\nVersion: $(MMFREE_VERSION)\nCflags: -I$${includedir}\nLibs: -L$${libdir} -lmmfree\nRequires.private: zlib libcjson\nLibs.private: -lz -lcjson -lusb-1.0 -lm -pthread\n

$(BUILD)/lib/pkgconfig/mmfree.pc: host/host.mk host/include/mmfree.h
	@mkdir -p $(@D)
	printf '$(call mmfree_pc,$(PREFIX))' > $@

# the `sim` board: the SoC's RTL under Verilator, linked into the CLI and mmfree-vboard only
# (libmmfree itself stays plain C; its `sim` is a weak symbol there). Three models:
#   fast   sim/vboard_core.v (rtl/mmf_soc_core.v and an INA226 model), every engine, bytes straight
#          to the packet layer                                                     (`sim`)
#   uart   sim/vboard_uart.v, the same core behind its UART                        (`sim?uart=1`)
#   board  sim/$(SIM_TOP).v around boards/$(BOARD)'s own top (SIM_DEFINES)          (`sim:$(BOARD)`):
#          vboard_board (a UART board) unless the board.mk names another, e.g. vboard_spi
# each built for speed under $(VSIM)/ (for the CLI) and with FST tracing under $(VSIM)/trace/ (for
# mmfree-vboard --trace).
VSIM     := $(BUILD)/vsim
# Built for speed: no assertions compiled in (the testbenches of sim/ keep them), and the model's
# C++ at -O3 instead of Verilator's default -Os: 1.3 M -> 2.1 M simulated cycles per second through
# the UART (docs/soc.md).
SIM_TOP  ?= vboard_board
VSIMFLAGS := -O3 --x-assign fast --x-initial fast -Wall -Wno-fatal -I$(CURDIR)/$(GEN) -I$(CURDIR)/rtl \
	-I$(CURDIR)/sim -I$(CURDIR)/sim/ice40 -I$(CURDIR)/boards/$(BOARD) --build -j $(JOBS) \
	-MAKEFLAGS "OPT_FAST=-O3 OPT_GLOBAL=-O2"
VINC     := $(shell verilator --getenv VERILATOR_ROOT 2>/dev/null)/include
VRT_SRC  := verilated.cpp verilated_threads.cpp verilated_fst_c.cpp
$(VSIM)/libverilated.a:
	@mkdir -p $(VSIM)/rt
	cd $(VSIM)/rt && for f in $(VRT_SRC); do \
		$(CXX) -std=c++17 -O2 -DVM_TRACE=1 -DVM_TRACE_FST=1 -isystem $(VINC) -isystem $(VINC)/vltstd \
			-c $(VINC)/$$f -o $${f%.cpp}.o || exit 1; done
	ar rcs $@ $(addprefix $(VSIM)/rt/,$(VRT_SRC:.cpp=.o))

# The board the models are built for: the file changes (and so is newer) only when BOARD does, so
# that switching BOARD in one build tree rebuilds the board model and the code naming it.
$(VSIM)/board.name: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(BOARD)" ] || echo "$(BOARD)" > $@
.PHONY: FORCE
FORCE:

# $(1) = model dir, $(2) = class prefix, $(3) = top module, $(4) = source, $(5) = extra flags
define VSIM_MODEL
$(1)/$(2)__ALL.a: $(RTL) $(GEN_VH) $(4) $(wildcard sim/ice40/*.v sim/vboard_*.v boards/$(BOARD)/*.v) sim/ina226_model.v \
		boards/$(BOARD)/board.mk host/host.mk $(VSIM)/board.name
	@mkdir -p $(1)
	verilator --cc $(VSIMFLAGS) $(5) --prefix $(2) --top-module $(3) --Mdir $(1) \
		$(CURDIR)/$(4) > $(1).log 2>&1 || { tail -30 $(1).log; exit 1; }
endef
# $(1) = where, $(2) = extra flags (tracing)
define VSIM_MODELS
$(call VSIM_MODEL,$(1)/fast,Vmmf_soc_core,vboard_core,sim/vboard_core.v,$(2))
$(call VSIM_MODEL,$(1)/uart,Vvboard_uart,vboard_uart,sim/vboard_uart.v,-GDIV=4 $(2))
$(call VSIM_MODEL,$(1)/board,Vboard,$(SIM_TOP),sim/$(SIM_TOP).v,$(SIM_DEFINES) $(2))
endef
$(eval $(call VSIM_MODELS,$(VSIM),))
$(eval $(call VSIM_MODELS,$(VSIM)/trace,--trace-fst))
vsim_libs = $(1)/fast/Vmmf_soc_core__ALL.a $(1)/uart/Vvboard_uart__ALL.a $(1)/board/Vboard__ALL.a
VSIM_LIB   := $(call vsim_libs,$(VSIM)) $(VSIM)/libverilated.a
VSIM_TLIB  := $(call vsim_libs,$(VSIM)/trace) $(VSIM)/libverilated.a
SIM_CXXFLAGS = -std=c++17 -O2 -g -Wall -Wextra -Werror -Ihost/include -Ihost/src -Ihls_c \
	-DMMF_SIM_BOARD='"$(BOARD)"' $(if $(filter vboard_spi,$(SIM_TOP)),-DMMF_SIM_SPI) \
	-isystem $(1)/fast -isystem $(1)/uart -isystem $(1)/board \
	-isystem $(VINC) -isystem $(VINC)/vltstd
$(BUILD)/host/transport_sim.o: host/src/transport_sim.cpp $(HOST_HDR) $(VSIM_LIB) $(VSIM)/board.name
	@mkdir -p $(@D)
	$(CXX) $(call SIM_CXXFLAGS,$(VSIM)) -c $< -o $@
$(BUILD)/host/transport_sim_trace.o: host/src/transport_sim.cpp $(HOST_HDR) $(VSIM_TLIB) $(VSIM)/board.name
	@mkdir -p $(@D)
	$(CXX) $(call SIM_CXXFLAGS,$(VSIM)/trace) -DMMF_SIM_TRACE -c $< -o $@

# how to program each board (mmfree flash), from boards/*/board.mk
$(BUILD)/host/boards_data.c: $(wildcard boards/*/board.mk) scripts/gen_boards_c.sh
	@mkdir -p $(@D)
	bash scripts/gen_boards_c.sh $@ $(sort $(wildcard boards/*/board.mk))

$(BUILD)/host/boards_data.o: $(BUILD)/host/boards_data.c host/src/mmfree_cli.h host/include/mmfree.h
	$(CC) $(CFLAGS) -Ihost/include -Ihost/src -c $< -o $@

# the CLI: statically linked, so build/bin/mmfree runs without LD_LIBRARY_PATH. Its objects are built
# in the build tree, not the source tree (two builds into different BUILD trees may run at once).
HOST_CLI_OBJ := $(patsubst host/src/%.c,$(BUILD)/host/cli/%.o,$(HOST_CLI_SRC))
$(BUILD)/host/cli/%.o: host/src/%.c $(HOST_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ihost/include -Ihost/src -Ihls_c -c $< -o $@

$(BIN)/mmfree: $(HOST_CLI_OBJ) $(BUILD)/lib/libmmfree.a $(BUILD)/host/transport_sim.o $(VSIM_LIB) \
		$(BUILD)/host/boards_data.o
	@mkdir -p $(@D)
	$(CXX) $(HOST_CLI_OBJ) $(BUILD)/host/boards_data.o \
		$(BUILD)/lib/libmmfree.a $(BUILD)/host/transport_sim.o $(VSIM_LIB) -lz -lcjson $(USB_LIBS) -lm -pthread -o $@

# the SoC behind its FT245 synchronous FIFO PHY (sim/vboard_ft245.v) for the emulated FT2232H's channel
# A (mmfree-vboard --usb ft245): one model whatever BOARD is, since no board wires the bus; its two
# clocks and the chip's side of the bus (sim/ft245_clocks.h, sim/ft245_chip.c) in sim/usb_ft245.cpp
FT245_VSIM := $(VSIM)/ft245
$(FT245_VSIM)/Vvboard_ft245__ALL.a: $(RTL) $(GEN_VH) sim/vboard_ft245.v sim/ina226_model.v
	@mkdir -p $(FT245_VSIM)
	verilator --cc $(VSIMFLAGS) --trace-fst --prefix Vvboard_ft245 --top-module vboard_ft245 --Mdir $(FT245_VSIM) \
		$(CURDIR)/sim/vboard_ft245.v > $(FT245_VSIM).log 2>&1 || { tail -30 $(FT245_VSIM).log; exit 1; }
$(BUILD)/host/usb_ft245.o: sim/usb_ft245.cpp sim/usb_ft245.h sim/ft245_clocks.h sim/ft245_chip.h sim/testb.h \
		$(FT245_VSIM)/Vvboard_ft245__ALL.a
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O2 -g -Wall -Wextra -Werror -Ihost/include -Ihost/src -Isim -isystem $(FT245_VSIM) \
		-isystem $(VINC) -isystem $(VINC)/vltstd -c $< -o $@
$(BUILD)/host/ft245_chip.o: sim/ft245_chip.c sim/ft245_chip.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# the virtual board as a server: sim/vboard_main.c on libmmfree's `sim` (traced models); with --usb,
# the emulated FTDI chip of sim/usb_emu.c under umockdev
$(BIN)/mmfree-vboard: sim/vboard_main.c sim/usb_emu.c sim/usb_emu.h sim/mpsse_emu.c sim/mpsse_emu.h sim/usb_ft245.h \
		sim/ice40_cfg.c sim/ice40_cfg.h sim/spiflash_emu.c sim/spiflash_emu.h $(HOST_HDR) \
		$(BUILD)/lib/libmmfree.a $(BUILD)/host/transport_sim_trace.o $(VSIM_TLIB) $(BUILD)/host/usb_ft245.o \
		$(BUILD)/host/ft245_chip.o $(FT245_VSIM)/Vvboard_ft245__ALL.a
	@mkdir -p $(@D) $(BUILD)/host$(need_pkgs)
	$(CC) $(CFLAGS) -Ihost/include -Ihost/src -Ihls_c -c $< -o $(BUILD)/host/vboard_main.o
	$(CC) $(CFLAGS) -Ihost/include -Ihost/src -Ihls_c $(UMOCK_CFLAGS) -c sim/usb_emu.c -o $(BUILD)/host/usb_emu.o
	$(CC) $(CFLAGS) -c sim/mpsse_emu.c -o $(BUILD)/host/mpsse_emu.o
	$(CC) $(CFLAGS) -c sim/ice40_cfg.c -o $(BUILD)/host/ice40_cfg.o
	$(CC) $(CFLAGS) -c sim/spiflash_emu.c -o $(BUILD)/host/spiflash_emu.o
	$(CXX) $(BUILD)/host/vboard_main.o $(BUILD)/host/usb_emu.o $(BUILD)/host/mpsse_emu.o $(BUILD)/host/usb_ft245.o \
		$(BUILD)/host/ice40_cfg.o $(BUILD)/host/spiflash_emu.o \
		$(BUILD)/host/ft245_chip.o $(BUILD)/lib/libmmfree.a $(BUILD)/host/transport_sim_trace.o \
		$(FT245_VSIM)/Vvboard_ft245__ALL.a $(VSIM_TLIB) -lz -lcjson $(USB_LIBS) $(UMOCK_LIBS) -lm -o $@

# the SPI flash model of the emulated boards (sim/spiflash_emu.c) on its own, run by tests/test_flashers.sh
$(BIN)/spiflash_emu_test: tests/spiflash_emu_test.c tests/check.h sim/spiflash_emu.c sim/spiflash_emu.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isim tests/spiflash_emu_test.c sim/spiflash_emu.c -o $@

# host tests: tests/host_<name>.c; they may use the internals (host/src/*.h) of the static library
HOST_TESTS := $(patsubst tests/%.c,$(BIN)/%,$(wildcard tests/host_*.c))
$(BIN)/host_%: tests/host_%.c tests/host_common.h tests/check.h $(HOST_HDR) $(BUILD)/lib/libmmfree.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ihost/include -Ihost/src -Ihls_c $(USB_CFLAGS) $< $(BUILD)/lib/libmmfree.a -lz -lcjson $(USB_LIBS) -lm -o $@

# host_api against the Verilator board too (sim, sim?uart=1, socket:)
$(BIN)/host_api_sim: tests/host_api.c tests/host_common.h tests/check.h $(HOST_HDR) $(BUILD)/lib/libmmfree.a \
		$(BUILD)/host/transport_sim.o $(VSIM_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ihost/include -Ihost/src -Ihls_c -c $< -o $(BUILD)/host/host_api_sim.o
	$(CXX) $(BUILD)/host/host_api_sim.o $(BUILD)/lib/libmmfree.a $(BUILD)/host/transport_sim.o $(VSIM_LIB) \
		-lz -lcjson $(USB_LIBS) -lm -pthread -o $@

PROGRAMS += $(HOST_LIBS) $(BIN)/mmfree $(BIN)/mmfree-vboard $(HOST_TESTS) $(BIN)/host_api_sim \
	$(BIN)/spiflash_emu_test

.PHONY: install
install: $(HOST_LIBS) $(BIN)/mmfree
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(BUILD)/lib/libmmfree.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/lib/libmmfree.so.1 $(DESTDIR)$(PREFIX)/lib/
	ln -sf libmmfree.so.1 $(DESTDIR)$(PREFIX)/lib/libmmfree.so
	install -m 644 host/include/mmfree.h $(DESTDIR)$(PREFIX)/include/
	printf '$(call mmfree_pc,$(PREFIX))' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/mmfree.pc
	install -m 755 $(BIN)/mmfree $(DESTDIR)$(PREFIX)/bin/
