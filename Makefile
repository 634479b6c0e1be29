# mmf_free top-level Makefile: `make demo`, `make test`, `make bench-engines`; programs land in build/bin/.
BOARD ?= icebreaker
ifeq ($(wildcard boards/$(BOARD)/board.mk),)
$(error BOARD=$(BOARD): no boards/$(BOARD)/board.mk (boards: $(notdir $(patsubst %/board.mk,%,$(wildcard boards/*/board.mk)))))
endif
include boards/$(BOARD)/board.mk

BUILD   := build
BIN     := $(BUILD)/bin
GEN     := $(BUILD)/gen
CC      ?= gcc
CFLAGS  := -std=c99 -O2 -g -Wall -Wextra -Werror
JOBS    ?= 2

.PHONY: all deps deps-train model test demo bench-engines lint formal synth bitstream prog clean help
all: programs

help:
	@echo "make demo           install what is missing, build, run a MatMul-free LM on the simulated iCEBreaker"
	@echo "make test           install what is missing, build and run every test"
	@echo "make model          train the shipped ternary model again (tools/train/, ~45 min): $(MODEL_OUT);"
	@echo "                    MODEL_QUANT=pow2: the sac model (models/kjv-pow2), MODEL_QUANT=none: the float baseline"
	@echo "make bench-engines  simulate and place-and-route every engine, write $(BUILD)/reports/engines.json"
	@echo "make bitstream      the SoC for BOARD=$(BOARD): build/$(BOARD)/mmfree.bin and mmfree.json"
	@echo "make prog           program BOARD=$(BOARD) with it ($(PROGRAMMER)): its flash; SRAM=1 the configuration"
	@echo "                    RAM only; PROGRAMMER=openFPGALoader; PROG_FLAGS='--dry-run --check ftdi'"
	@echo "make lint | formal | synth   one stage alone;  BOARD=$(BOARD) (boards/$(BOARD)/board.mk)"
	@echo "make programs       build everything into $(BIN)/: mmfree, mmfree-vboard, harnesses, tests"
	@echo "make deps           install the missing Debian packages (scripts/deps.sh; as root)"
	@echo "make install        libmmfree, mmfree.h, mmfree.pc and mmfree under PREFIX=$(PREFIX) (DESTDIR too)"
	@echo "make clean          remove $(BUILD)/"
	@echo "bash tests/run.sh NAME...   the named tests of make test alone (after make programs)"

deps:
	@bash scripts/deps.sh

deps-train:
	@bash scripts/deps.sh train

# ---- hls_c: the specification, as a library and as the generator of the shared Verilog includes ----
HLS_SRC := $(filter-out hls_c/gen_vh.c,$(wildcard hls_c/*.c))
HLS_HDR := $(wildcard hls_c/*.h)
HLS_OBJ := $(patsubst hls_c/%.c,$(BUILD)/obj/hls_%.o,$(HLS_SRC))

$(BUILD)/obj/hls_%.o: hls_c/%.c $(HLS_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/lib/libmmf_hls.a: $(HLS_OBJ)
	@mkdir -p $(@D)
	ar rcs $@ $^

$(BIN)/gen_vh: hls_c/gen_vh.c $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(BUILD)/lib/libmmf_hls.a -o $@

GEN_VH := $(GEN)/mmf_consts.vh $(GEN)/tac5_rom_init.vh $(GEN)/lut_digits_fn.vh $(GEN)/mmf_engines.vh
$(GEN)/.stamp: $(BIN)/gen_vh
	@mkdir -p $(GEN)
	$(BIN)/gen_vh $(GEN)
	@touch $@
# a recipe, even an empty one, so that make sees engines.mk remade and reads it again before going on
$(GEN_VH) $(GEN)/engines.mk: $(GEN)/.stamp
	@:

# C unit tests of hls_c: tests/test_<name>.c -> build/bin/test_<name> (zlib is the independent CRC)
HLS_TESTS := $(patsubst tests/%.c,$(BIN)/%,$(wildcard tests/test_*.c))
$(BIN)/test_%: tests/test_%.c tests/check.h $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ihls_c $< $(BUILD)/lib/libmmf_hls.a -lz -o $@

# ---- engine configurations: ENGINES and CFG_<name> := ENGINE FMT LANES LG_ACT MODULE, written by
# gen_vh from the engine table (hls_c/mmf_engines.c); not needed to install packages or clean ----
ifneq ($(filter-out deps deps-train clean help,$(or $(MAKECMDGOALS),all)),)
include $(GEN)/engines.mk
endif
cfg = $(word $(2),$(CFG_$(1)))

RTL := $(wildcard rtl/*.v)
VFLAGS := -O3 --x-assign fast --x-initial fast --assert +define+FORMAL --trace-fst -Wall -Wno-fatal \
	-I$(CURDIR)/$(GEN) -I$(CURDIR)/rtl --build -j $(JOBS)
VCFLAGS := -O2 -I$(CURDIR)/hls_c -I$(CURDIR)/sim

# $(1) = configuration name
define ENGINE_RULES
# testbench: the engine alone, every stream under random back-pressure
$(BIN)/tb_$(1): sim/tb_engine.cpp sim/testb.h sim/engine_model.h $(RTL) $(GEN_VH) $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(BUILD)/sim/tb_$(1) $(BIN)
	verilator --cc --exe $(VFLAGS) --top-module $(call cfg,$(1),5) \
		-GLANES=$(call cfg,$(1),3) -GLG_ACT=$(call cfg,$(1),4) \
		$(if $(filter 0,$(call cfg,$(1),1)),-GFMT=$(call cfg,$(1),2)) \
		-CFLAGS "$(VCFLAGS) -DTB_FMT=$(call cfg,$(1),2) \
			-DTB_LANES=$(call cfg,$(1),3) -DVTOP=V$(call cfg,$(1),5) -DVTOP_H='\"V$(call cfg,$(1),5).h\"'" \
		-LDFLAGS "$(CURDIR)/$(BUILD)/lib/libmmf_hls.a" --Mdir $(BUILD)/sim/tb_$(1) -o tb \
		$(CURDIR)/rtl/$(call cfg,$(1),5).v $(CURDIR)/sim/tb_engine.cpp > $(BUILD)/sim/tb_$(1).log 2>&1 \
		|| { tail -30 $(BUILD)/sim/tb_$(1).log; exit 1; }
	cp $(BUILD)/sim/tb_$(1)/tb $$@

# bench: the engine behind the SPRAM weight memory and its stream reader
$(BIN)/bench_$(1): sim/bench_engine.cpp sim/testb.h sim/engine_model.h $(RTL) $(GEN_VH) $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(BUILD)/sim/bench_$(1) $(BIN)
	verilator --cc --exe $(VFLAGS) --top-module mmf_bench_top \
		-GENGINE=$(call cfg,$(1),1) -GFMT=$(call cfg,$(1),2) -GLANES=$(call cfg,$(1),3) \
		-GLG_ACT=$(call cfg,$(1),4) \
		-CFLAGS "$(VCFLAGS) -DTB_FMT=$(call cfg,$(1),2) \
			-DTB_LANES=$(call cfg,$(1),3) -DTB_CFG='\"$(1)\"'" \
		-LDFLAGS "$(CURDIR)/$(BUILD)/lib/libmmf_hls.a" --Mdir $(BUILD)/sim/bench_$(1) -o bench \
		$(CURDIR)/rtl/mmf_bench_top.v $(CURDIR)/sim/bench_engine.cpp > $(BUILD)/sim/bench_$(1).log 2>&1 \
		|| { tail -30 $(BUILD)/sim/bench_$(1).log; exit 1; }
	cp $(BUILD)/sim/bench_$(1)/bench $$@

# place and route: yosys -> nextpnr-ice40 report (utilisation, Fmax) for the engine with its memory
$(BUILD)/synth/$(1).report.json: $(RTL) $(GEN_VH) scripts/synth_engine.sh boards/$(BOARD)/board.mk
	@mkdir -p $(BUILD)/synth
	bash scripts/synth_engine.sh $(1) $(call cfg,$(1),1) $(call cfg,$(1),2) $(call cfg,$(1),3) \
		$(call cfg,$(1),4) $(DEVICE) $(PACKAGE) $(FREQ_MHZ)
endef
$(foreach e,$(ENGINES),$(eval $(call ENGINE_RULES,$(e))))

# packet receiver against zlib-built packets
$(BIN)/tb_pkt_rx: sim/tb_pkt_rx.cpp sim/testb.h sim/pkt_ref.h rtl/mmf_pkt_rx.v rtl/mmf_crc32_fn.vh
	@mkdir -p $(BUILD)/sim/tb_pkt_rx $(BIN)
	verilator --cc --exe $(VFLAGS) --top-module mmf_pkt_rx -GLG_TIMEOUT=10 -CFLAGS "$(VCFLAGS)" -LDFLAGS "-lz" \
		--Mdir $(BUILD)/sim/tb_pkt_rx -o tb $(CURDIR)/rtl/mmf_pkt_rx.v $(CURDIR)/sim/tb_pkt_rx.cpp \
		> $(BUILD)/sim/tb_pkt_rx.log 2>&1 || { tail -30 $(BUILD)/sim/tb_pkt_rx.log; exit 1; }
	cp $(BUILD)/sim/tb_pkt_rx/tb $@

# packet transmitter: framing against zlib, and the round trip into the receiver
$(BIN)/tb_pkt_tx: sim/tb_pkt_tx.cpp sim/tb_pkt_loop.v sim/testb.h sim/pkt_ref.h rtl/mmf_pkt_tx.v rtl/mmf_pkt_rx.v rtl/mmf_crc32_fn.vh
	@mkdir -p $(BUILD)/sim/tb_pkt_tx $(BIN)
	verilator --cc --exe $(VFLAGS) --top-module tb_pkt_loop -CFLAGS "$(VCFLAGS)" -LDFLAGS "-lz" \
		--Mdir $(BUILD)/sim/tb_pkt_tx -o tb $(CURDIR)/sim/tb_pkt_loop.v $(CURDIR)/sim/tb_pkt_tx.cpp \
		> $(BUILD)/sim/tb_pkt_tx.log 2>&1 || { tail -30 $(BUILD)/sim/tb_pkt_tx.log; exit 1; }
	cp $(BUILD)/sim/tb_pkt_tx/tb $@

# the SoC core in fast mode (bytes straight to the packet layer) with the INA226 model on its I2C
# lines (sim/vboard_core.v) against hls_c/mmf_dev.c
SIM_I2C := sim/ina226_model.v
$(BIN)/tb_soc: sim/tb_soc.cpp sim/vboard_core.v $(SIM_I2C) sim/testb.h sim/pkt_ref.h $(RTL) $(GEN_VH) $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(BUILD)/sim/tb_soc $(BIN)
	verilator --cc --exe $(VFLAGS) -I$(CURDIR)/sim --top-module vboard_core -CFLAGS "$(VCFLAGS)" \
		-LDFLAGS "$(CURDIR)/$(BUILD)/lib/libmmf_hls.a -lz" \
		--Mdir $(BUILD)/sim/tb_soc -o tb $(CURDIR)/sim/vboard_core.v $(CURDIR)/sim/tb_soc.cpp \
		> $(BUILD)/sim/tb_soc.log 2>&1 || { tail -30 $(BUILD)/sim/tb_soc.log; exit 1; }
	cp $(BUILD)/sim/tb_soc/tb $@

# the same through the UART at 4 cycles per bit (12 Mbaud at 48 MHz)
$(BIN)/tb_soc_uart: sim/tb_soc.cpp sim/vboard_uart.v $(SIM_I2C) sim/testb.h sim/pkt_ref.h $(RTL) $(GEN_VH) $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(BUILD)/sim/tb_soc_uart $(BIN)
	verilator --cc --exe $(VFLAGS) -I$(CURDIR)/sim --top-module vboard_uart -GDIV=4 -CFLAGS "$(VCFLAGS) -DTB_UART_DIV=4" \
		-LDFLAGS "$(CURDIR)/$(BUILD)/lib/libmmf_hls.a -lz" \
		--Mdir $(BUILD)/sim/tb_soc_uart -o tb $(CURDIR)/sim/vboard_uart.v $(CURDIR)/sim/tb_soc.cpp \
		> $(BUILD)/sim/tb_soc_uart.log 2>&1 || { tail -30 $(BUILD)/sim/tb_soc_uart.log; exit 1; }
	cp $(BUILD)/sim/tb_soc_uart/tb $@

# the UPduino v3's own top (SPI slave, the lut engine) behind the host's SPI master at 10 MHz SCK; the
# board's simulation defines come from its board.mk, whichever BOARD this build is for
UPDUINO3_SIM := $(shell sed -n 's/^SIM_DEFINES *:= *//p' boards/upduino3/board.mk)
$(BIN)/tb_soc_spi: sim/tb_soc.cpp sim/vboard_spi.v sim/vboard_spi_host.v $(SIM_I2C) sim/testb.h sim/pkt_ref.h $(RTL) $(GEN_VH) \
		boards/upduino3/upduino3_top.v boards/upduino3/board.mk $(wildcard sim/ice40/*.v) $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(BUILD)/sim/tb_soc_spi $(BIN)
	verilator --cc --exe $(VFLAGS) -I$(CURDIR)/sim -I$(CURDIR)/sim/ice40 -I$(CURDIR)/boards/upduino3 \
		--top-module vboard_spi $(UPDUINO3_SIM) -CFLAGS "$(VCFLAGS) -DTB_SPI" \
		-LDFLAGS "$(CURDIR)/$(BUILD)/lib/libmmf_hls.a -lz" \
		--Mdir $(BUILD)/sim/tb_soc_spi -o tb $(CURDIR)/sim/vboard_spi.v $(CURDIR)/sim/tb_soc.cpp \
		> $(BUILD)/sim/tb_soc_spi.log 2>&1 || { tail -30 $(BUILD)/sim/tb_soc_spi.log; exit 1; }
	cp $(BUILD)/sim/tb_soc_spi/tb $@

# the SoC behind its FT245 synchronous FIFO PHY (rtl/mmf_soc_ft245.v: the lut engine and the I2C
# master, as the iCEBreaker's) with the C model of the FT2232H's side of the bus: core 48 MHz, bus 60 MHz
$(BIN)/tb_soc_ft245: sim/tb_soc.cpp sim/vboard_ft245.v sim/ft245_clocks.h sim/ft245_chip.c sim/ft245_chip.h $(SIM_I2C) \
		sim/testb.h sim/pkt_ref.h $(RTL) $(GEN_VH) $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(BUILD)/sim/tb_soc_ft245 $(BIN)
	verilator --cc --exe $(VFLAGS) -I$(CURDIR)/sim --top-module vboard_ft245 -CFLAGS "$(VCFLAGS) -DTB_FT245" \
		-LDFLAGS "$(CURDIR)/$(BUILD)/lib/libmmf_hls.a -lz" \
		--Mdir $(BUILD)/sim/tb_soc_ft245 -o tb $(CURDIR)/sim/vboard_ft245.v $(CURDIR)/sim/tb_soc.cpp \
		$(CURDIR)/sim/ft245_chip.c > $(BUILD)/sim/tb_soc_ft245.log 2>&1 || { tail -30 $(BUILD)/sim/tb_soc_ft245.log; exit 1; }
	cp $(BUILD)/sim/tb_soc_ft245/tb $@

# the iCEBreaker's engine set (lut alone) in fast mode
$(BIN)/tb_soc_lut: sim/tb_soc.cpp sim/vboard_core.v $(SIM_I2C) sim/testb.h sim/pkt_ref.h $(RTL) $(GEN_VH) $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(BUILD)/sim/tb_soc_lut $(BIN)
	verilator --cc --exe $(VFLAGS) -I$(CURDIR)/sim --top-module vboard_core -GENG_TAC=0 -GENG_SAC=0 \
		-CFLAGS "$(VCFLAGS) -DTB_LUT_ONLY" -LDFLAGS "$(CURDIR)/$(BUILD)/lib/libmmf_hls.a -lz" \
		--Mdir $(BUILD)/sim/tb_soc_lut -o tb $(CURDIR)/sim/vboard_core.v $(CURDIR)/sim/tb_soc.cpp \
		> $(BUILD)/sim/tb_soc_lut.log 2>&1 || { tail -30 $(BUILD)/sim/tb_soc_lut.log; exit 1; }
	cp $(BUILD)/sim/tb_soc_lut/tb $@

# the I2C master against the INA226 model and the C bus of hls_c/mmf_i2c.c, at 400 and 100 kHz
$(BIN)/tb_i2c $(BIN)/tb_i2c_100k: $(BIN)/tb_i2c%: sim/tb_i2c.cpp sim/tb_i2c_top.v $(SIM_I2C) sim/testb.h \
		rtl/mmf_i2c_master.v $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(BUILD)/sim/tb_i2c$* $(BIN)
	verilator --cc --exe $(VFLAGS) -I$(CURDIR)/sim --top-module tb_i2c_top \
		-GI2C_HZ=$(if $*,100000,400000) -CFLAGS "$(VCFLAGS) -DI2C_HZ=$(if $*,100000,400000)" \
		-LDFLAGS "$(CURDIR)/$(BUILD)/lib/libmmf_hls.a" --Mdir $(BUILD)/sim/tb_i2c$* -o tb \
		$(CURDIR)/sim/tb_i2c_top.v $(CURDIR)/sim/tb_i2c.cpp > $(BUILD)/sim/tb_i2c$*.log 2>&1 \
		|| { tail -30 $(BUILD)/sim/tb_i2c$*.log; exit 1; }
	cp $(BUILD)/sim/tb_i2c$*/tb $@

# the iCE40HX8K-B-EVN's SoC in fast mode: the tac engine with 2-bit codes alone and 768 words of
# weight memory in block RAM (boards/hx8k-evn/hx8k_top.v), addresses past its end included
$(BIN)/tb_soc_hx8k: sim/tb_soc.cpp sim/vboard_core.v $(SIM_I2C) sim/testb.h sim/pkt_ref.h $(RTL) $(GEN_VH) $(BUILD)/lib/libmmf_hls.a
	@mkdir -p $(BUILD)/sim/tb_soc_hx8k $(BIN)
	verilator --cc --exe $(VFLAGS) -I$(CURDIR)/sim --top-module vboard_core -GENG_SAC=0 -GENG_LUT=0 -GTAC_FMT=0 \
		-GTAC_LANES=32 -GMEM_WORDS=768 -GOPT_I2C=0 -CFLAGS "$(VCFLAGS) -DTB_TAC2_ONLY -DTB_MEM_WORDS=768" \
		-LDFLAGS "$(CURDIR)/$(BUILD)/lib/libmmf_hls.a -lz" \
		--Mdir $(BUILD)/sim/tb_soc_hx8k -o tb $(CURDIR)/sim/vboard_core.v $(CURDIR)/sim/tb_soc.cpp \
		> $(BUILD)/sim/tb_soc_hx8k.log 2>&1 || { tail -30 $(BUILD)/sim/tb_soc_hx8k.log; exit 1; }
	cp $(BUILD)/sim/tb_soc_hx8k/tb $@

TB_BINS    := $(BIN)/tb_i2c $(BIN)/tb_i2c_100k $(addprefix $(BIN)/tb_,$(ENGINES)) $(BIN)/tb_pkt_rx $(BIN)/tb_pkt_tx $(BIN)/tb_soc $(BIN)/tb_soc_uart \
	$(BIN)/tb_soc_lut $(BIN)/tb_soc_spi $(BIN)/tb_soc_hx8k $(BIN)/tb_soc_ft245
BENCH_BINS := $(addprefix $(BIN)/bench_,$(ENGINES))
SYNTH      := $(addprefix $(BUILD)/synth/,$(addsuffix .report.json,$(ENGINES)))

PROGRAMS := $(BIN)/gen_vh $(HLS_TESTS) $(TB_BINS) $(BENCH_BINS)
# Each area may add its own rules and programs (PROGRAMS += ...) in a fragment.
-include host/host.mk sim/link.mk tests/fuzz.mk

programs: $(PROGRAMS)

synth: $(SYNTH)

lint: $(GEN_VH)
	@bash tests/test_lint.sh

formal: $(GEN_VH)
	@bash tests/test_formal.sh

test: deps deps-train
	@$(MAKE) --no-print-directory programs
	@bash tests/run.sh

bench-engines: deps
	@$(MAKE) --no-print-directory $(BENCH_BINS) $(SYNTH)
	@bash scripts/bench_engines.sh $(ENGINES)

# the whole SoC for a board (fails when it misses the board's clock)
bitstream: deps $(GEN_VH)
	@bash scripts/bitstream.sh $(BOARD)

# the bitstream as a file, rebuilt when the RTL, the board or the protocol changes; bitstream.sh
# writes no mmfree.bin for a design that misses the board clock, so a failed build is never flashed
$(BUILD)/$(BOARD)/mmfree.bin: $(RTL) $(wildcard rtl/*.vh) $(GEN_VH) $(wildcard boards/$(BOARD)/*) \
		scripts/bitstream.sh hls_c/mmf_dev.h
	@bash scripts/bitstream.sh $(BOARD)

# program the board: `mmfree flash` checks the metadata beside the bitstream (board, protocol
# version, timing, size and CRC-32) and runs the board's programmer (docs/boards.md). BITSTREAM
# names another file (not rebuilt); PROG_FLAGS adds flash options. The CLI is brought up to date
# for the board its virtual board was built for, not rebuilt for this one: flash does not use it.
BITSTREAM ?= $(BUILD)/$(BOARD)/mmfree.bin
prog: $(BITSTREAM)
	@b=$$(cat $(BUILD)/vsim/board.name 2>/dev/null || echo $(BOARD)); \
		$(MAKE) --no-print-directory -s BOARD=$$b $(BIN)/mmfree
	$(BIN)/mmfree flash $(BITSTREAM) --board $(BOARD) --programmer $(PROGRAMMER)$(if $(filter 1 yes,$(SRAM)), --sram) $(PROG_FLAGS)

# the shipped models (models/kjv-*/README.md): the KJV split, then training with the shipped run's
# seed, shape and wall-clock budget. MODEL_QUANT=ternary (models/kjv-ternary), pow2 (models/kjv-pow2,
# the sac engine's power-of-two weights) or none (the float baseline of docs/accuracy.md: trained and
# measured, not shipped). MODEL_OUT=DIR writes elsewhere (the default overwrites the committed model;
# `git diff --stat models/` shows whether it came out the same)
MODEL_QUANT ?= ternary
MODEL_NAME := kjv-$(if $(filter none,$(MODEL_QUANT)),float,$(MODEL_QUANT))
MODEL_MINUTES := $(if $(filter ternary,$(MODEL_QUANT)),44,50)
MODEL_OUT ?= models/$(MODEL_NAME)
model: deps-train
	/usr/bin/python3 tools/train/train.py prep --out $(BUILD)/kjv
	OMP_NUM_THREADS=1 /usr/bin/python3 tools/train/train.py train --data $(BUILD)/kjv --out $(BUILD)/$(MODEL_NAME) \
		--hidden 104 --layers 3 --intermediate 208 --steps 3000 --minutes $(MODEL_MINUTES) --batch 16 --seq 256 \
		--lr 3e-3 --seed 1 --quant $(MODEL_QUANT)
	$(if $(filter none,$(MODEL_QUANT)),/usr/bin/python3 tools/train/train.py eval --model $(BUILD)/$(MODEL_NAME) \
		--text $(BUILD)/kjv/heldout.txt --max-bytes 8192,bash tools/train/card.sh $(BUILD)/$(MODEL_NAME) $(BUILD)/kjv $(MODEL_OUT) $(MODEL_QUANT))

demo: deps
	@$(MAKE) --no-print-directory $(BIN)/mmfree $(BIN)/mmfree-vboard
	@bash scripts/demo.sh

clean:
	rm -rf $(BUILD)
